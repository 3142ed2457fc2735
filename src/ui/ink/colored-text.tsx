/**
 * Text that is coloured only when colour is on, so that `--no-color`/`NO_COLOR` reach every part
 * of the Ink view through one context.
 */

import { createContext, useContext, type ReactNode } from "react";
import { Text } from "ink";

/** Whether the view may use colours; provided by `LabView`. */
export const ColorContext = createContext<boolean>(true);

/** Props of {@link ColoredText}. */
export interface ColoredTextProps {
  color?: "green" | "red" | "yellow" | "cyan" | "gray";
  bold?: boolean;
  dim?: boolean;
  /** Cut the text at the width of its box (with an ellipsis) instead of wrapping it. */
  truncate?: boolean;
  children?: ReactNode;
}

/** Ink `<Text>` whose colour and weight apply only when {@link ColorContext} is on. */
export function ColoredText({ color, bold, dim, truncate, children }: ColoredTextProps): ReactNode {
  const enabled = useContext(ColorContext);
  return (
    <Text
      {...(enabled ? { color, bold, dimColor: dim } : {})}
      {...(truncate === true ? { wrap: "truncate-end" as const } : {})}
    >
      {children}
    </Text>
  );
}
