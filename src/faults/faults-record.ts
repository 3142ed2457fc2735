/**
 * The record of the fault drills in effect on a lab (faults.json in its state directory), so that
 * `lab heal` undoes exactly what `lab break` did, and `lab verify` can say failures are expected.
 * Written atomically; an unreadable record reads as empty.
 */
import { readFile, rm } from "node:fs/promises";
import { writeFileAtomic } from "../atomic-write.js";
import type { LabPaths } from "../lab-paths.js";

/** One fault drill in effect. */
export interface FaultInEffect {
  /** The fault's id. */
  fault: string;
  node: string;
  /** When it was broken (ISO 8601). */
  since: string;
}

/** The faults in effect on a lab, oldest first. */
export async function readFaults(paths: LabPaths): Promise<FaultInEffect[]> {
  try {
    const faults = JSON.parse(await readFile(paths.faultsFile, "utf8")) as unknown;
    return Array.isArray(faults) ? (faults as FaultInEffect[]) : [];
  } catch {
    return [];
  }
}

/** Records the faults in effect (none: the record goes). */
export async function writeFaults(paths: LabPaths, faults: readonly FaultInEffect[]): Promise<void> {
  if (faults.length === 0) await rm(paths.faultsFile, { force: true });
  else await writeFileAtomic(paths.faultsFile, `${JSON.stringify(faults, null, 2)}\n`);
}
