/**
 * A lab's state record (state.json): what was brought up, from which file, with what, and how far
 * it got. Written atomically; an unreadable record reads as absent.
 */
import { readFile } from "node:fs/promises";
import type { ArtifactSource } from "./artifacts/resolve-artifacts.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { LabPaths } from "./lab-paths.js";

/** How far a lab's last run got (see LabState.phase). */
export const LAB_PHASES = ["creating", "up", "failed", "paused", "stopped"] as const;

/** One of {@link LAB_PHASES}. */
export type LabPhase = (typeof LAB_PHASES)[number];

/** What kubelab records about a lab, in its state directory. */
export interface LabState {
  lab: string;
  provider: string;
  /** The lab file it was brought up from. */
  labFile: string;
  createdAt: string;
  updatedAt: string;
  /**
   * creating: a run is (or was) under way; up: the last run ended green; failed: it did not;
   * paused: `lab up --until` stopped before a step; stopped: `lab stop`.
   */
  phase: LabPhase;
  /**
   * The lab went green with the configuration in its lab.yaml and no run has changed it since: a
   * later `lab up` only checks it, or starts its stopped nodes, instead of redoing every step.
   */
  green?: boolean;
  /** The step that failed, when phase is failed. */
  failedStep?: string;
  /** The step `lab up --until` stopped before, when phase is paused. */
  pausedBefore?: string;
  /** The node subnet, as given or picked. */
  nodeSubnet: string;
  image?: string;
  artifacts?: ArtifactSource[];
  /** Binaries replaced with `--with`. */
  with?: Record<string, string>;
  /** How kubelab rendered the nodes' units, manifests and configs (see renderFingerprint). */
  rendered?: string;
}

/** Reads a lab's state, or undefined when there is none (or it is unreadable). */
export async function readLabState(paths: LabPaths): Promise<LabState | undefined> {
  try {
    const state = JSON.parse(await readFile(paths.stateFile, "utf8")) as LabState;
    return state.lab === paths.lab ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a lab's state atomically. */
export async function writeLabState(paths: LabPaths, state: LabState): Promise<void> {
  await writeFileAtomic(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
