/**
 * The state of the live view, and the store that feeds it. {@link reduceEvent} is a pure function
 * from (state, event, time) to the next state; {@link createEventStore} holds the current state
 * for React (`useSyncExternalStore`) and is the renderer's event sink.
 */

import type { CheckResult, Diagnosis, ErrorInfo, LabEvent } from "../../pipeline/events.js";
import { errorKey } from "../error-lines.js";

/** One node's share of a step. */
export interface TaskState {
  node: string;
  title?: string;
  status: "running" | "ok" | "failed";
  /** Clock time the task started at, in ms. */
  startedAt: number;
  durationMs?: number;
  error?: ErrorInfo;
}

/** The latest progress report of a step. */
export interface ProgressState {
  node?: string;
  message: string;
  done?: number;
  total?: number;
}

/** One step of the run. */
export interface StepState {
  id: string;
  title: string;
  status: "pending" | "running" | "ok" | "failed";
  /** Clock time the step started at, in ms. */
  startedAt?: number;
  durationMs?: number;
  /** One entry per node, in the order they started. */
  tasks: TaskState[];
  progress?: ProgressState;
  error?: ErrorInfo;
}

/** A log line of the run. */
export interface LogEntry {
  level: "info" | "warn" | "debug";
  message: string;
  step?: string;
  node?: string;
}

/** What the run is. */
export interface RunInfo {
  lab: string;
  command: string;
  provider: string;
}

/** How the run ended. */
export interface RunEnd {
  status: "ok" | "failed";
  durationMs: number;
  /** The run's error, unless a finished step or task showed it already (it is the same failure). */
  error?: ErrorInfo;
  next: string[];
}

/**
 * Something settled, that will not change again: the run's header, a finished step, a log line,
 * the end of the run with its checks. The view prints these once, in this order.
 */
export type HistoryItem =
  | { kind: "run"; run: RunInfo }
  | { kind: "step"; step: StepState }
  | { kind: "log"; log: LogEntry }
  | { kind: "end"; end: RunEnd; checks: CheckResult[]; diagnoses: Diagnosis[] };

/** Everything the view shows. */
export interface ViewState {
  run?: RunInfo;
  /** Every step known so far: listed by run-start, or seen starting. */
  steps: StepState[];
  /** Check results, in the order they came. */
  checks: CheckResult[];
  /** Known causes of failed checks found in the lab, in the order they came. */
  diagnoses: Diagnosis[];
  /** Append-only record of what is settled (logs included), oldest first. */
  history: HistoryItem[];
  end?: RunEnd;
}

/** The state before any event. */
export const INITIAL_VIEW_STATE: ViewState = { steps: [], checks: [], diagnoses: [], history: [] };

/** Replaces the step `id` with `update(step)`, adding a pending step first when it is unknown. */
function updateStep(steps: StepState[], id: string, update: (step: StepState) => StepState): StepState[] {
  const known = steps.some((step) => step.id === id);
  const all = known ? steps : [...steps, { id, title: id, status: "pending" as const, tasks: [] }];
  return all.map((step) => (step.id === id ? update(step) : step));
}

/** Replaces the task of `node` with `task`, or appends it. */
function putTask(tasks: TaskState[], task: TaskState): TaskState[] {
  const known = tasks.some((candidate) => candidate.node === task.node);
  return known ? tasks.map((candidate) => (candidate.node === task.node ? task : candidate)) : [...tasks, task];
}

/** The errors finished steps and their tasks show, as {@link errorKey}s. */
function shownErrors(steps: StepState[]): Set<string> {
  const finished = steps.filter((step) => step.status === "ok" || step.status === "failed");
  const errors = finished.flatMap((step) => [step.error, ...step.tasks.map((task) => task.error)]);
  return new Set(errors.flatMap((error) => (error === undefined ? [] : [errorKey(error)])));
}

/** The next state after `event`, received at clock time `now` (ms). Never mutates `state`. */
export function reduceEvent(state: ViewState, event: LabEvent, now: number): ViewState {
  switch (event.type) {
    case "run-start": {
      const run = { lab: event.lab, command: event.command, provider: event.provider };
      const steps = event.steps.map((step): StepState => ({ ...step, status: "pending", tasks: [] }));
      return { ...state, run, steps, history: [...state.history, { kind: "run", run }] };
    }
    case "step-start":
      return {
        ...state,
        steps: updateStep(state.steps, event.step, (step) => ({
          ...step,
          title: event.title,
          status: "running",
          startedAt: now,
        })),
      };
    case "step-end": {
      const steps = updateStep(state.steps, event.step, (step) => ({
        ...step,
        status: event.status,
        durationMs: event.durationMs,
        ...(event.error === undefined ? {} : { error: event.error }),
      }));
      const finished = steps.find((step) => step.id === event.step);
      const history: HistoryItem[] = finished === undefined ? state.history : [...state.history, { kind: "step", step: finished }];
      return { ...state, steps, history };
    }
    case "task-start":
      return {
        ...state,
        steps: updateStep(state.steps, event.step, (step) => ({
          ...step,
          tasks: putTask(step.tasks, {
            node: event.node,
            status: "running",
            startedAt: now,
            ...(event.title === undefined ? {} : { title: event.title }),
          }),
        })),
      };
    case "task-end":
      return {
        ...state,
        steps: updateStep(state.steps, event.step, (step) => {
          const started = step.tasks.find((task) => task.node === event.node);
          return {
            ...step,
            tasks: putTask(step.tasks, {
              node: event.node,
              startedAt: started?.startedAt ?? now - event.durationMs,
              ...(started?.title === undefined ? {} : { title: started.title }),
              status: event.status,
              durationMs: event.durationMs,
              ...(event.error === undefined ? {} : { error: event.error }),
            }),
          };
        }),
      };
    case "progress": {
      const { type: _type, step: id, ...progress } = event;
      return { ...state, steps: updateStep(state.steps, id, (step) => ({ ...step, progress })) };
    }
    case "log": {
      const { type: _type, ...log } = event;
      return { ...state, history: [...state.history, { kind: "log", log }] };
    }
    case "check":
      return { ...state, checks: [...state.checks, event.result] };
    case "diagnosis":
      return { ...state, diagnoses: [...state.diagnoses, event.diagnosis] };
    case "run-end": {
      const error = event.error !== undefined && !shownErrors(state.steps).has(errorKey(event.error)) ? event.error : undefined;
      const end: RunEnd = {
        status: event.status,
        durationMs: event.durationMs,
        next: event.next ?? [],
        ...(error === undefined ? {} : { error }),
      };
      return { ...state, end, history: [...state.history, { kind: "end", end, checks: state.checks, diagnoses: state.diagnoses }] };
    }
  }
}

/** Holds the view state and tells subscribers when it changes. */
export interface EventStore {
  /** Applies an event; this is the renderer's {@link EventSink}. */
  dispatch(event: LabEvent): void;
  /** The current state; a new object after every event, the same one in between. */
  getState(): ViewState;
  /** Calls `listener` after every event; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** A store starting from {@link INITIAL_VIEW_STATE}, timing events with `now` (default `Date.now`). */
export function createEventStore(now: () => number = Date.now): EventStore {
  let state = INITIAL_VIEW_STATE;
  const listeners = new Set<() => void>();
  return {
    dispatch(event) {
      state = reduceEvent(state, event, now());
      for (const listener of listeners) listener();
    },
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
