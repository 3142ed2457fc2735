/**
 * A finished step as it stays on screen: its mark, title and duration, and its node rows. A failure
 * shows its whole error block (message, hint, command and output, journal lines) under the row of
 * the node it happened on, or else under the step's node rows; the same failure is shown once.
 */

import type { ReactNode } from "react";
import { Box } from "ink";
import { errorKey } from "../error-lines.js";
import { formatDuration, taskLabel } from "../format.js";
import { ColoredText } from "./colored-text.js";
import { ErrorBlock } from "./error-block.js";
import type { StepState } from "./event-store.js";
import { INDENT } from "../indent.js";
import { StatusMark } from "./status-mark.js";

/** Props of {@link FinishedStep}. */
export interface FinishedStepProps {
  step: StepState;
  /** Show the stack of a bug. */
  verbose: boolean;
}

/** Renders a finished step with its node rows and their errors. */
export function FinishedStep({ step, verbose }: FinishedStepProps): ReactNode {
  const status = step.status === "ok" ? "ok" : "failed";
  const taskErrors = new Set(step.tasks.flatMap((task) => (task.error === undefined ? [] : [errorKey(task.error)])));
  const stepError = step.error !== undefined && !taskErrors.has(errorKey(step.error)) ? step.error : undefined;
  return (
    <Box flexDirection="column">
      <ColoredText>
        {INDENT.step}
        <StatusMark status={status} /> {step.title} ({formatDuration(step.durationMs ?? 0)})
      </ColoredText>
      {step.tasks.map((task) => (
        <Box key={task.node} flexDirection="column">
          <ColoredText>
            {INDENT.task}
            {task.status === "running" ? "-" : <StatusMark status={task.status} />} {taskLabel(task)}
            {task.durationMs === undefined ? "" : ` (${formatDuration(task.durationMs)})`}
          </ColoredText>
          {task.error === undefined ? null : <ErrorBlock error={task.error} verbose={verbose} indent={INDENT.task + INDENT.evidence} />}
        </Box>
      ))}
      {stepError === undefined ? null : <ErrorBlock error={stepError} verbose={verbose} indent={INDENT.step + INDENT.evidence} />}
    </Box>
  );
}
