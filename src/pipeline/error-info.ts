/**
 * Errors as event payloads: a user error keeps its hint, command, output and journal; anything
 * else is a bug and carries its stack (renderers show it under --verbose only).
 */
import { CommandError, errorMessage, isUserError } from "../errors.js";
import type { ErrorInfo } from "./events.js";

/** The {@link ErrorInfo} of any thrown value. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof CommandError) {
    return {
      message: error.message,
      hint: error.hint,
      command: error.command,
      where: error.where,
      output: error.output,
      journal: error.journal.length ? error.journal : undefined,
    };
  }
  if (isUserError(error)) {
    return { message: error.message, hint: error.hint, journal: error.journal.length ? error.journal : undefined };
  }
  if (error instanceof Error && error.name === "AbortError") return { message: "interrupted" };
  return {
    message: `bug: ${errorMessage(error)}`,
    hint: "this is kubelab's fault, not yours: please report it with the output of --verbose",
    stack: error instanceof Error ? error.stack : undefined,
  };
}
