/**
 * What a step does, in the words and commands of a person building the cluster by hand: `lab
 * explain` prints it. Steps build their explanation from the same command builders their `run`
 * uses, so what is explained is what runs.
 */
import { shellLine } from "../errors.js";

/** One thing a step does. */
export interface ExplainedAction {
  /** The node it happens on; undefined when kubelab does it on the host. */
  readonly node?: string;
  /** The exact command, as typed in a shell on that node. */
  readonly command?: string;
  /** Set for a wait: the command is repeated until it succeeds, for at most this long. */
  readonly untilMs?: number;
  /** What it is for. */
  readonly note: string;
}

/** A step, explained. */
export interface StepExplanation {
  /** What the step is for, in a few sentences. */
  readonly what: string;
  /** What it does, in order. */
  readonly actions: readonly ExplainedAction[];
  /**
   * Commands that succeed once the step's work is in place, whoever did it (`lab verify --step`);
   * when absent, the step's waits are its proof (none for the steps kubelab does on the host).
   */
  readonly proof?: readonly ExplainedAction[];
}

/** The commands that prove a step's work: its own proof, or its waits. */
export function proofOf(explanation: StepExplanation): readonly ExplainedAction[] {
  return explanation.proof ?? explanation.actions.filter((a) => a.untilMs !== undefined);
}

/** An action running `argv` on `node`. */
export function commandAction(node: string, argv: readonly string[], note: string): ExplainedAction {
  return { node, command: argv[0] === "sh" && argv[1] === "-ec" && argv.length === 3 ? argv[2]! : shellLine([...argv]), note };
}

/** An action repeating `argv` on `node` until it succeeds. */
export function waitAction(node: string, argv: readonly string[], timeoutMs: number, note: string): ExplainedAction {
  return { ...commandAction(node, argv, note), untilMs: timeoutMs };
}

/** An action kubelab takes on the host. */
export function hostAction(note: string): ExplainedAction {
  return { note };
}
