/** The error block of the view: message, hint, command, output, journal, and the stack if verbose. */

import type { ReactNode } from "react";
import { Box } from "ink";
import type { ErrorInfo } from "../../pipeline/events.js";
import { errorLines, type ErrorLineKind } from "../error-lines.js";
import { ColoredText, type ColoredTextProps } from "./colored-text.js";
import { INDENT } from "../indent.js";

/** Props of {@link ErrorBlock}. */
export interface ErrorBlockProps {
  error: ErrorInfo;
  /** Show the stack, when the error has one. */
  verbose: boolean;
  /** Spaces before every line (default none): the block sits under the row it belongs to. */
  indent?: string;
}

/** How each kind of line looks. */
const STYLE: Record<ErrorLineKind, Pick<ColoredTextProps, "color" | "bold" | "dim">> = {
  message: { color: "red", bold: true },
  hint: { color: "yellow" },
  command: {},
  output: { dim: true },
  "journal-title": {},
  journal: { dim: true },
  stack: { dim: true },
};

/** Renders an {@link ErrorInfo} as the lines of {@link errorLines}. */
export function ErrorBlock({ error, verbose, indent = "" }: ErrorBlockProps): ReactNode {
  return (
    <Box flexDirection="column">
      {errorLines(error, verbose).map((line, index) => (
        <ColoredText key={index} {...STYLE[line.kind]}>
          {indent}
          {line.indented ? INDENT.evidence : ""}
          {line.text}
        </ColoredText>
      ))}
    </Box>
  );
}
