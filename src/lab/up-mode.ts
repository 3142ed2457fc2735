/**
 * How `lab up` gets a lab to green from what is there already: only the checks when it is up and
 * unchanged, starting its nodes again when they are stopped, or every step.
 */
import type { LabState } from "../lab-state.js";
import type { NodeStatus } from "../providers/provider.js";

/**
 * - `check`: the lab went green with this very configuration and every node runs: run the checks,
 *   change nothing.
 * - `resume`: it went green with this configuration and every node still exists, some stopped
 *   (`lab stop`, a restarted Docker engine): start them, wait, check.
 * - `full`: anything else (a new lab, a changed lab file, an interrupted or failed run, a missing
 *   node): every step, each of which converges from whatever it finds.
 */
export type UpMode = "check" | "resume" | "full";

/** What {@link upMode} decides from. */
export interface UpModeInput {
  previous: LabState | undefined;
  /**
   * The lab file (with defaults, node subnet filled in) equals the one the lab was last brought up
   * from, and so do the `--with` binaries and the way kubelab renders the nodes' files.
   */
  unchanged: boolean;
  /** The nodes the plan has. */
  planned: readonly string[];
  /** The nodes the provider holds for the lab. */
  nodes: readonly NodeStatus[];
}

/** Chooses how to bring the lab up. */
export function upMode(input: UpModeInput): UpMode {
  const { previous, unchanged, planned, nodes } = input;
  if (!previous?.green || !unchanged) return "full";
  const state = new Map(nodes.map((n) => [n.name, n.state]));
  if (!planned.every((n) => state.get(n) === "running" || state.get(n) === "stopped")) return "full";
  if (previous.phase === "up" && planned.every((n) => state.get(n) === "running")) return "check";
  return "resume";
}
