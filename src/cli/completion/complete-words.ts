/**
 * Shell completion, worked out from the CLI's own commander definitions: which command the words
 * typed so far reach, which of its arguments or options comes next, and its candidates
 * (subcommands, options, lab names, node names, units, option values), filtered by the word
 * being typed. The bash and zsh scripts call it through `lab __complete`.
 */
import type { Argument, Command, Option } from "commander";
import { PROVIDERS } from "../../config/lab-schema.js";
import type { CompletionValues } from "./completion-values.js";

/** Commands whose lab argument may also be a lab file to bring up (not only a lab that exists). */
const LAB_FILE_COMMANDS = new Set(["up", "doctor", "graph", "explain"]);

/** The shells `lab completion` writes a script for. */
export const COMPLETION_SHELLS = ["bash", "zsh"] as const;

/** Where the words typed so far lead. */
interface Position {
  command: Command;
  /** The arguments given to it so far. */
  positionals: string[];
  /** A `--` was typed: no more options. */
  afterDashDash: boolean;
}

/**
 * The candidates for the last of `words` (the words after `lab`, the last being the one under the
 * cursor, possibly empty). Bash splits `--opt=value` into `--opt`, `=`, `value`; both that and the
 * whole word (zsh) are understood.
 */
export async function completeWords(program: Command, words: readonly string[], values: CompletionValues): Promise<string[]> {
  const current = words.at(-1) ?? "";
  const typed = words.slice(0, -1);
  const { command, positionals, afterDashDash } = walk(program, typed);

  // The value of an option: `--provider <cur>`, bash's `--provider = <cur>`, zsh's `--provider=<cur>`.
  const pending = afterDashDash ? undefined : pendingOption(command, typed);
  if (pending) return matching(await optionValues(pending, positionals, values), current);
  if (!afterDashDash && current.startsWith("--") && current.includes("=")) {
    const name = current.slice(0, current.indexOf("="));
    const option = takesValue(command, name);
    return option ? matching((await optionValues(option, positionals, values)).map((v) => `${name}=${v}`), current) : [];
  }
  if (!afterDashDash && current.startsWith("-")) return matching(optionNames(command), current);

  const subcommands = command.createHelp().visibleCommands(command);
  if (subcommands.length > 0 && positionals.length === 0) return matching(subcommands.map((c) => c.name()), current);
  const args = command.registeredArguments;
  const argument = args[positionals.length] ?? (args.at(-1)?.variadic ? args.at(-1) : undefined);
  return argument ? matching(await argumentValues(command, argument, positionals, values), current) : [];
}

/** Follows `words` through subcommands, skipping options and their values. */
function walk(program: Command, words: readonly string[]): Position {
  const position: Position = { command: program, positionals: [], afterDashDash: false };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (position.afterDashDash) {
      position.positionals.push(word);
    } else if (word === "--") {
      position.afterDashDash = true;
    } else if (word.startsWith("-") && word.length > 1) {
      // An option's value is the next word (or the one after bash's "=").
      if (!word.includes("=") && takesValue(position.command, word)) i += words[i + 1] === "=" ? 2 : 1;
    } else if (word === "=") {
      i += 1;
    } else {
      const sub = position.positionals.length === 0 ? position.command.commands.find((c) => c.name() === word || c.aliases().includes(word)) : undefined;
      if (sub) position.command = sub;
      else position.positionals.push(word);
    }
  }
  return position;
}

/** The options of a command and of the commands above it. */
function optionsOf(command: Command): Option[] {
  const out: Option[] = [];
  for (let c: Command | null = command; c; c = c.parent) out.push(...c.createHelp().visibleOptions(c));
  return out;
}

/** The option `--name` (or `-n`) of a command when it takes a value. */
function takesValue(command: Command, name: string): Option | undefined {
  const option = optionsOf(command).find((o) => o.long === name || o.short === name);
  return option && (option.required || option.optional) ? option : undefined;
}

/** The option whose value is being typed: the last word typed (or the one before bash's "="). */
function pendingOption(command: Command, typed: readonly string[]): Option | undefined {
  const last = typed.at(-1);
  if (last === "=") {
    const before = typed.at(-2);
    return before === undefined ? undefined : takesValue(command, before);
  }
  return last?.startsWith("-") && !last.includes("=") ? takesValue(command, last) : undefined;
}

/** Every long option of a command (with those of the commands above it), sorted. */
function optionNames(command: Command): string[] {
  return [...new Set(optionsOf(command).flatMap((o) => (o.long ? [o.long] : [])))].sort();
}

/** Candidates for an argument, by its name. */
async function argumentValues(command: Command, argument: Argument, positionals: readonly string[], values: CompletionValues): Promise<string[]> {
  const [lab, node] = positionals;
  switch (argument.name()) {
    case "lab":
      return LAB_FILE_COMMANDS.has(command.name()) ? union(await values.labFiles(), await values.labs()) : values.labs();
    case "node":
      return lab === undefined ? [] : values.nodes(lab);
    case "unit":
      return lab === undefined || node === undefined ? [] : values.units(lab, node);
    case "shell":
      return [...COMPLETION_SHELLS];
    case "step":
      return lab === undefined ? [] : values.steps(lab);
    default:
      return [];
  }
}

/** Candidates for an option's value, by the option's name. */
async function optionValues(option: Option, positionals: readonly string[], values: CompletionValues): Promise<string[]> {
  const [lab] = positionals;
  switch (option.long) {
    case "--provider":
      return [...PROVIDERS];
    case "--node":
      return lab === undefined ? [] : values.nodes(lab);
    case "--until":
    case "--step":
      return lab === undefined ? [] : values.steps(lab);
    default:
      return [];
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** The candidates that start with what is typed. */
function matching(candidates: readonly string[], typed: string): string[] {
  return candidates.filter((c) => c.startsWith(typed));
}
