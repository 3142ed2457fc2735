/** A finished step as it stays on screen: its mark, title and duration, and its node rows. */

import type { ReactNode } from "react";
import { Box } from "ink";
import { formatDuration, taskLabel } from "../format.js";
import { ColoredText } from "./colored-text.js";
import type { StepState } from "./event-store.js";
import { INDENT } from "../indent.js";
import { StatusMark } from "./status-mark.js";

/** Renders a finished step; a failed node's row is followed by its error message. */
export function FinishedStep({ step }: { step: StepState }): ReactNode {
  const status = step.status === "ok" ? "ok" : "failed";
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
          {task.error === undefined ? null : (
            <ColoredText color="red">
              {INDENT.task}
              {INDENT.evidence}
              {task.error.message}
            </ColoredText>
          )}
        </Box>
      ))}
    </Box>
  );
}
