/**
 * `lab completion bash|zsh`: a shell completion script; and the hidden `lab __complete -- WORDS`
 * the scripts call, which prints the candidates for the last word, one per line.
 */
import type { Command } from "commander";
import { realpathSync } from "node:fs";
import { UserError } from "../../errors.js";
import { bashCompletionScript } from "../completion/bash-script.js";
import { COMPLETION_SHELLS, completeWords } from "../completion/complete-words.js";
import { completionValues } from "../completion/completion-values.js";
import { zshCompletionScript } from "../completion/zsh-script.js";
import { reported } from "../output.js";

/** Registers `lab completion` and `lab __complete`. */
export function completionCommands(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script (commands, options, labs, nodes, units), e.g. source <(lab completion bash)")
    .argument("<shell>", COMPLETION_SHELLS.join(" or "))
    .action(async (shell: string, _opts: unknown, cmd: Command) => {
      await reported(cmd, async () => {
        // This very CLI, run by this very node: the script works where `lab` is not on the PATH.
        const self = [process.execPath, realpathSync(process.argv[1]!)];
        if (shell === "bash") process.stdout.write(bashCompletionScript(self));
        else if (shell === "zsh") process.stdout.write(zshCompletionScript(self));
        else throw new UserError(`failed to write a completion script for ${shell}: unknown shell`, { hint: `choose ${COMPLETION_SHELLS.join(" or ")}`, exitCode: 2 });
      });
    });
  program
    .command("__complete", { hidden: true })
    .description("print the completion candidates of the last word")
    .argument("[words...]", "the words after lab, the last one being completed")
    .helpOption(false)
    .action(async (words: string[]) => {
      const candidates = await completeWords(program, words.length ? words : [""], completionValues());
      process.stdout.write(candidates.map((c) => `${c}\n`).join(""));
    });
}
