/**
 * What a doctor check is and what it answers. Each check looks at one thing on the host, says what
 * it found in one line and, when something is wrong, the command or step that fixes it. The doctor
 * prints fixes; it never applies them: kubelab does not change the host.
 */
import type { ProviderName } from "../config/lab-schema.js";

/** A check's verdict: ok; warn (works, but worse or not for every lab); fail (a lab cannot come up); skip (cannot tell, and why). */
export type DoctorStatus = "ok" | "warn" | "fail" | "skip";

/** What a check found. */
export interface DoctorResult {
  status: DoctorStatus;
  /** What was found, in one line. */
  detail: string;
  /** What to do about it: commands to run, or a step to take. */
  fix?: string;
}

/** One check of the host. */
export interface DoctorCheck {
  /** Stable id, e.g. "docker-engine". */
  id: string;
  /** What it looks at, e.g. "Docker engine". */
  title: string;
  /** Looks; bounded by the check's own timeouts. */
  run(): Promise<DoctorResult>;
}

/**
 * How much a missing or broken tool matters: "fail" when the provider in question needs it (the
 * lab's, or docker's when no lab is named), "warn" when only labs of another provider do.
 */
export function missingStatus(needed: ProviderName, inUse: ProviderName): "fail" | "warn" {
  return needed === inUse ? "fail" : "warn";
}
