/**
 * The events a run emits. The core only emits these; the Ink view, the plain line printer and
 * `--json` each render the same stream. Every event is a plain JSON-serialisable object tagged by
 * `type`.
 */

/** A failure, ready to show: what failed, what to do, and the evidence. */
export interface ErrorInfo {
  message: string;
  hint?: string;
  /** The failed command as a pasteable shell line, and where it ran. */
  command?: string;
  where?: string;
  /** The command's output (last lines). */
  output?: string;
  /** Last journal lines of the units involved. */
  journal?: { node: string; unit: string; lines: string[] }[];
  /** Present for bugs only; renderers show it under --verbose. */
  stack?: string;
}

/** Result of one check on one node (or the whole lab). */
export interface CheckResult {
  /** Check id, e.g. "etcd-health". */
  check: string;
  title: string;
  /** The node it ran on, when it is per node. */
  node?: string;
  /** pass and fail mean it ran; not-run says it could not run here and why (never counted as passed). */
  status: "pass" | "fail" | "not-run";
  /** What it ran, as a command line. */
  ran: string;
  /** What it saw (trimmed output, or a one-line summary). */
  saw: string;
  /** Why it failed or was not run. */
  reason?: string;
  /** How to fix it. */
  hint?: string;
  durationMs: number;
}

/** Every event of a run. */
export type LabEvent =
  | { type: "run-start"; lab: string; command: string; provider: string; steps: { id: string; title: string }[] }
  | { type: "step-start"; step: string; title: string }
  | { type: "step-end"; step: string; status: "ok" | "failed"; durationMs: number; error?: ErrorInfo }
  | { type: "task-start"; step: string; node: string; title?: string }
  | { type: "task-end"; step: string; node: string; status: "ok" | "failed"; durationMs: number; error?: ErrorInfo }
  | { type: "progress"; step: string; node?: string; message: string; done?: number; total?: number }
  | { type: "log"; level: "info" | "warn" | "debug"; message: string; step?: string; node?: string }
  | { type: "check"; result: CheckResult }
  | { type: "run-end"; status: "ok" | "failed"; durationMs: number; error?: ErrorInfo; next?: string[] };

/** The tag of a {@link LabEvent}. */
export type LabEventType = LabEvent["type"];

/** A function that receives events. */
export type EventSink = (event: LabEvent) => void;
