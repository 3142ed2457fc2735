/**
 * A running step in the live area: a spinner, its title and elapsed time, a row per node (spinner
 * while running, then ✓ or ✗ with its duration), and the step's latest progress message.
 */

import type { ReactNode } from "react";
import { Box } from "ink";
import { formatDuration, formatProgress, taskLabel } from "../format.js";
import { ColoredText } from "./colored-text.js";
import type { StepState } from "./event-store.js";
import { INDENT } from "../indent.js";
import { Spinner } from "./spinner.js";
import { StatusMark } from "./status-mark.js";

/** Props of {@link RunningStep}. */
export interface RunningStepProps {
  step: StepState;
  /** The time now on the store's clock (ms), which elapsed times and the spinner follow. */
  time: number;
}

/** Renders a step that has started and not ended. */
export function RunningStep({ step, time }: RunningStepProps): ReactNode {
  const elapsed = (since: number | undefined): string => formatDuration(time - (since ?? time));
  return (
    <Box flexDirection="column">
      <ColoredText>
        {INDENT.step}
        <Spinner time={time} />{" "}
        {step.title} ({elapsed(step.startedAt)})
      </ColoredText>
      {step.tasks.map((task) => (
        <ColoredText key={task.node}>
          {INDENT.task}
          {task.status === "running" ? <Spinner time={time} /> : <StatusMark status={task.status} />}{" "}
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
