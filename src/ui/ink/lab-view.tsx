/**
 * The live view of a run. Settled items (the header, finished steps, logs, the run's end) are
 * printed once through Ink's `<Static>` and scroll away; running steps are redrawn in the live
 * area below them, on one clock: the view redraws once per tick however many steps and nodes run,
 * and not at all while nothing runs.
 */

import { useLayoutEffect, useSyncExternalStore, type ReactNode } from "react";
import { Box, Static } from "ink";
import { ColorContext } from "./colored-text.js";
import type { EventStore, HistoryItem, ViewState } from "./event-store.js";
import { HistoryEntry } from "./history-entry.js";
import { RunningStep } from "./running-step.js";
import { useClock } from "./use-clock.js";

/**
 * How often the live area is redrawn between events: often enough for the spinners and elapsed
 * times to move, seldom enough that the view costs `lab up` next to nothing (each redraw lays out
 * and writes the live area).
 */
const TICK_MS = 250;

/** Props of {@link LabView}. */
export interface LabViewProps {
  /** The store the renderer dispatches events to. */
  store: EventStore;
  /** Show debug logs and the stacks of bugs. */
  verbose: boolean;
  /** Use colours. */
  color: boolean;
  /** The store's clock, for elapsed times (default `Date.now`). */
  now?: () => number;
  /** Called after each commit with the state it shows, so a caller can wait for a given state's frame. */
  onCommit?: (state: ViewState) => void;
}

/** Whether a history item is shown: debug logs only when verbose. */
function shown(item: HistoryItem, verbose: boolean): boolean {
  return verbose || item.kind !== "log" || item.log.level !== "debug";
}

/** Renders the state of `store`, following its changes. */
export function LabView({ store, verbose, color, now = Date.now, onCommit }: LabViewProps): ReactNode {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  useLayoutEffect(() => onCommit?.(state), [onCommit, state]);
  const history = state.history.filter((item) => shown(item, verbose));
  // A step still running when the run has ended was cut short; the run's end says what happened.
  const running = state.end === undefined ? state.steps.filter((step) => step.status === "running") : [];
  const time = useClock(now, TICK_MS, running.length > 0);
  return (
    <ColorContext.Provider value={color}>
      <Static items={history}>{(item, index) => <HistoryEntry key={index} item={item} verbose={verbose} />}</Static>
      <Box flexDirection="column">
        {running.map((step) => (
          <RunningStep key={step.id} step={step} time={time} />
        ))}
      </Box>
    </ColorContext.Provider>
  );
}
