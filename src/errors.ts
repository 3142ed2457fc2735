/**
 * Errors. A {@link UserError} is something the user can fix and carries a hint; anything else
 * reaching the top is a bug and is shown with its stack under --verbose only.
 */

/** Lines of a unit's journal attached to a failure. */
export interface JournalExcerpt {
  node: string;
  unit: string;
  lines: string[];
}

/** Options shared by the error types. */
export interface UserErrorOptions {
  /** What to do about it, in one or two sentences. */
  hint?: string;
  /** The error this one wraps. */
  cause?: unknown;
  /** Journal lines of the unit involved, when a node's service failed. */
  journal?: JournalExcerpt[];
  /** Process exit code for the CLI (default 1). */
  exitCode?: number;
}

/** An error the user can act on: bad input, a missing dependency, a failed lab. */
export class UserError extends Error {
  override readonly name: string = "UserError";
  readonly hint: string | undefined;
  readonly journal: JournalExcerpt[];
  readonly exitCode: number;

  constructor(message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.journal = options.journal ?? [];
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A command that ran (in a node or on the host) and failed. */
export class CommandError extends UserError {
  override readonly name = "CommandError";
  /** The command as a pasteable shell line. */
  readonly command: string;
  /** Where it ran: a node name, or "host". */
  readonly where: string;
  readonly commandExitCode: number | undefined;
  /** Combined output, trimmed to its last lines. */
  readonly output: string;

  constructor(
    message: string,
    details: { command: string; where: string; exitCode?: number; output: string },
    options: UserErrorOptions = {},
  ) {
    super(message, options);
    this.command = details.command;
    this.where = details.where;
    this.commandExitCode = details.exitCode;
    this.output = details.output;
  }
}

/** True when `error` is a {@link UserError}. */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Quotes argv as one shell line a user can paste. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}
