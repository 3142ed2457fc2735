/**
 * A running step in the live area: a spinner, its title and elapsed time, a row per node (spinner
 * while running, then ✓ or ✗ with its duration), and the step's latest progress message.
 */

import type { ReactNode } from "react";
import { Box } from "ink";
import Spinner from "ink-spinner";
import { formatDuration, formatProgress, taskLabel } from "../format.js";
import { ColoredText } from "./colored-text.js";
import type { StepState } from "./event-store.js";
import { INDENT } from "../indent.js";
import { StatusMark } from "./status-mark.js";
import { useClock } from "./use-clock.js";

/** Props of {@link RunningStep}. */
export interface RunningStepProps {
  step: StepState;
  /** The clock elapsed times are measured with (the store's clock). */
  now: () => number;
}

/** How often the elapsed time is refreshed. */
const TICK_MS = 100;

/** Renders a step that has started and not ended. */
export function RunningStep({ step, now }: RunningStepProps): ReactNode {
  const time = useClock(now, TICK_MS);
  const elapsed = (since: number | undefined): string => formatDuration(time - (since ?? time));
  return (
    <Box flexDirection="column">
      <ColoredText>
        {INDENT.step}
        <ColoredText color="cyan">
          <Spinner />
        </ColoredText>{" "}
        {step.title} ({elapsed(step.startedAt)})
      </ColoredText>
      {step.tasks.map((task) => (
        <ColoredText key={task.node}>
          {INDENT.task}
          {task.status === "running" ? (
            <ColoredText color="cyan">
              <Spinner />
            </ColoredText>
          ) : (
            <StatusMark status={task.status} />
          )}{" "}
          {taskLabel(task)} ({task.durationMs === undefined ? elapsed(task.startedAt) : formatDuration(task.durationMs)})
        </ColoredText>
      ))}
      {step.progress === undefined ? null : (
        <ColoredText dim>
          {INDENT.task}
          {formatProgress(step.progress)}
        </ColoredText>
      )}
    </Box>
  );
}
