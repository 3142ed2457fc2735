/**
 * `lab doctor`: every check of the host, for a named lab or for labs in general. The checks are
 * independent and run at once, each within its own timeouts and under a last deadline here.
 */
import type { ProviderName } from "../config/lab-schema.js";
import { errorMessage } from "../errors.js";
import { cgroupsCheck } from "./cgroups.js";
import { diskCheck } from "./disk.js";
import type { DoctorCheck, DoctorResult, DoctorStatus } from "./doctor-check.js";
import type { DoctorLab } from "./doctor-lab.js";
import { dockerEngineCheck, engineFacts, type EngineFacts } from "./docker-engine.js";
import { inotifyCheck } from "./inotify.js";
import { kvmChecks } from "./kvm.js";
import { libvirtCheck } from "./libvirt.js";
import { memoryCheck } from "./memory.js";
import { subnetsCheck } from "./subnets.js";
import { vagrantChecks } from "./vagrant.js";
import { withTimeout } from "./with-timeout.js";

/** The last deadline of any one check (each has shorter timeouts of its own). */
const CHECK_DEADLINE_MS = 45_000;

/** A check's result with what it was and how long it took. */
export interface DoctorReport extends DoctorResult {
  id: string;
  title: string;
  durationMs: number;
}

/** What the doctor is asked about. */
export interface DoctorOptions {
  /** The lab named on the command line. */
  lab?: DoctorLab;
  /** The provider whose needs decide between fail and warn (default: the lab's, else docker). */
  provider?: ProviderName;
}

/** Every check, in the order they are shown: the Docker side, then the VM side. */
export function doctorChecks(options: DoctorOptions = {}): DoctorCheck[] {
  const { lab } = options;
  const inUse: ProviderName = options.provider ?? lab?.provider ?? "docker";
  let facts: Promise<EngineFacts> | undefined;
  const engine = (): Promise<EngineFacts> => (facts ??= engineFacts());
  return [
    dockerEngineCheck(engine, inUse),
    cgroupsCheck(engine),
    inotifyCheck(),
    memoryCheck(lab, inUse),
    diskCheck(engine),
    subnetsCheck(engine, lab),
    ...vagrantChecks(inUse),
    libvirtCheck(inUse),
    ...kvmChecks(inUse),
  ];
}

/** Starts every check at once; the reports come back in the checks' order. A check that throws fails. */
export function runDoctor(checks: readonly DoctorCheck[]): Promise<DoctorReport>[] {
  return checks.map(async (check) => {
    const started = Date.now();
    let result: DoctorResult;
    try {
      result = await withTimeout(check.run(), CHECK_DEADLINE_MS, check.title);
    } catch (error) {
      result = { status: "fail", detail: `the check could not run: ${errorMessage(error)}` };
    }
    return { id: check.id, title: check.title, ...result, durationMs: Date.now() - started };
  });
}

/** How many reports have each status. */
export function countStatuses(reports: readonly DoctorReport[]): Record<DoctorStatus, number> {
  const counts: Record<DoctorStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of reports) counts[r.status]++;
  return counts;
}

/** The exit code of a doctor run: 1 when any check failed, else 0. */
export function doctorExitCode(reports: readonly DoctorReport[]): number {
  return reports.some((r) => r.status === "fail") ? 1 : 0;
}
