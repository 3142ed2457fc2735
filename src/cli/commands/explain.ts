/**
 * `lab explain NAME|FILE [STEP]`: the steps `lab up` takes, or one step with every command it runs
 * on which node and every file it writes, as a person following the guide would type them.
 */
import type { Command } from "commander";
import { explainText } from "../../lab/explain-text.js";
import { explainLab } from "../../lab/lab-explain.js";
import { reported } from "../output.js";

/** Width wrapped at when stdout is not a terminal. */
const DEFAULT_COLUMNS = 100;

/** Registers `lab explain`. */
export function explainCommand(program: Command): void {
  program
    .command("explain")
    .description("explain the steps of lab up for a lab, or one step with the commands it runs on each node")
    .argument("<lab>", "a lab's name, or a path to a lab file")
    .argument("[step]", "a step's id (lab explain LAB lists them)")
    .action(async (lab: string, step: string | undefined, _opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        const explanation = await explainLab(lab, step);
        if (global.json) process.stdout.write(`${JSON.stringify(explanation)}\n`);
        else process.stdout.write(explainText(explanation, process.stdout.isTTY ? process.stdout.columns || DEFAULT_COLUMNS : DEFAULT_COLUMNS, step !== undefined));
      });
    });
}
