/**
 * The end of a run, printed once: the checks table and counts, the known causes found, the outcome with the total time,
 * the error block, and what to do next.
 */

import type { ReactNode } from "react";
import { Box } from "ink";
import type { CheckResult, Diagnosis } from "../../pipeline/events.js";
import { formatCheckCounts, formatDiagnosisHeading, formatOutcome } from "../format.js";
import { CheckTable } from "./check-table.js";
import { ColoredText } from "./colored-text.js";
import { ErrorBlock } from "./error-block.js";
import type { RunEnd } from "./event-store.js";
import { INDENT } from "../indent.js";
import { StatusMark } from "./status-mark.js";

/** Props of {@link RunSummary}. */
export interface RunSummaryProps {
  end: RunEnd;
  checks: readonly CheckResult[];
  /** Known causes of the failed checks, found in the lab. */
  diagnoses: readonly Diagnosis[];
  /** Show the stack of a bug. */
  verbose: boolean;
}

/** Renders the end of a run. */
export function RunSummary({ end, checks, diagnoses, verbose }: RunSummaryProps): ReactNode {
  return (
    <Box flexDirection="column" marginTop={1}>
      {checks.length === 0 ? null : (
        <Box flexDirection="column" marginBottom={1}>
          <CheckTable checks={checks} />
          <ColoredText>checks: {formatCheckCounts(checks)}</ColoredText>
        </Box>
      )}
      {diagnoses.map((diagnosis, index) => (
        <Box key={index} flexDirection="column" marginBottom={1}>
          <ColoredText color="red" bold>
            {formatDiagnosisHeading(diagnosis)}
          </ColoredText>
          <ColoredText>
            {INDENT.evidence}found: {diagnosis.found}
          </ColoredText>
          <ColoredText color="yellow">
            {INDENT.evidence}fix: {diagnosis.fix}
          </ColoredText>
        </Box>
      ))}
      {end.error === undefined ? null : <ErrorBlock error={end.error} verbose={verbose} />}
      <ColoredText bold>
        {INDENT.step}
        <StatusMark status={end.status} /> {formatOutcome(end.status, end.durationMs)}
      </ColoredText>
      {end.next.length === 0 ? null : (
        <Box flexDirection="column">
          <ColoredText>next:</ColoredText>
          {end.next.map((line, index) => (
            <ColoredText key={index} color="cyan">
              {INDENT.evidence}
              {line}
            </ColoredText>
          ))}
        </Box>
      )}
    </Box>
  );
}
