/** The mark of a finished step, task or run. */

import type { ReactNode } from "react";
import { CROSS, TICK } from "../format.js";
import { ColoredText } from "./colored-text.js";

/** A green ✓ for ok, a red ✗ for failed. */
export function StatusMark({ status }: { status: "ok" | "failed" }): ReactNode {
  return status === "ok" ? <ColoredText color="green">{TICK}</ColoredText> : <ColoredText color="red">{CROSS}</ColoredText>;
}
