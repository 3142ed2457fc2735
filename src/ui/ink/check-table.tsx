/**
 * The table of check results at the end of a run: check, node, result, and what was seen, the
 * last column cut to the terminal's width. A failed check's reason and hint follow its row.
 */

import type { ReactNode } from "react";
import { Box, useStdout } from "ink";
import type { CheckResult } from "../../pipeline/events.js";
import { checkDetail, checkLabel } from "../format.js";
import { ColoredText, type ColoredTextProps } from "./colored-text.js";
import { INDENT } from "../indent.js";

/** Space between columns. */
const GAP = 2;
/** The narrowest the "seen" column gets, however narrow the terminal. */
const MIN_SEEN_WIDTH = 10;
/** Width assumed when the output stream does not say. */
const DEFAULT_COLUMNS = 80;

/** Colour of each result. */
const RESULT_COLOR: Record<CheckResult["status"], ColoredTextProps["color"]> = {
  pass: "green",
  fail: "red",
  "not-run": "yellow",
};

/** A fixed-width cell. */
function Cell({ width, children, ...style }: { width: number } & ColoredTextProps): ReactNode {
  return (
    <Box width={width} flexShrink={0}>
      <ColoredText truncate {...style}>
        {children}
      </ColoredText>
    </Box>
  );
}

/** Renders check results as a table. */
export function CheckTable({ checks }: { checks: readonly CheckResult[] }): ReactNode {
  const { stdout } = useStdout();
  const columns = stdout.columns || DEFAULT_COLUMNS;
  const widest = (header: string, cells: string[]): number => Math.max(header.length, ...cells.map((cell) => cell.length)) + GAP;
  const checkWidth = widest("CHECK", checks.map((result) => result.check));
  const nodeWidth = widest("NODE", checks.map((result) => result.node ?? "-"));
  const resultWidth = widest("RESULT", checks.map((result) => checkLabel(result.status)));
  const seenWidth = Math.max(MIN_SEEN_WIDTH, columns - INDENT.check.length - checkWidth - nodeWidth - resultWidth);
  return (
    <Box flexDirection="column" paddingLeft={INDENT.check.length}>
      <Box>
        <Cell width={checkWidth} bold>CHECK</Cell>
        <Cell width={nodeWidth} bold>NODE</Cell>
        <Cell width={resultWidth} bold>RESULT</Cell>
        <Cell width={seenWidth} bold>SEEN</Cell>
      </Box>
      {checks.map((result, index) => (
        <Box key={index} flexDirection="column">
          <Box>
            <Cell width={checkWidth}>{result.check}</Cell>
            <Cell width={nodeWidth}>{result.node ?? "-"}</Cell>
            <Cell width={resultWidth} color={RESULT_COLOR[result.status]}>
              {checkLabel(result.status)}
            </Cell>
            <Cell width={seenWidth}>{checkDetail(result)}</Cell>
          </Box>
          {result.status === "fail" && result.reason !== undefined ? (
            <Box paddingLeft={GAP}>
              <ColoredText>{result.reason}</ColoredText>
            </Box>
          ) : null}
          {result.status !== "pass" && result.hint !== undefined ? (
            <Box paddingLeft={GAP}>
              <ColoredText color="yellow">hint: {result.hint}</ColoredText>
            </Box>
          ) : null}
        </Box>
      ))}
    </Box>
  );
}
