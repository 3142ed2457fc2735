/**
 * `lab shell NAME NODE`: an interactive root login shell in a node, on this terminal; its exit
 * code is passed on. Without a terminal it refuses and points at `lab exec`.
 */
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { labFromState, labNode } from "../../lab/lab-from-state.js";
import { reported } from "../output.js";

/** Registers `lab shell`. */
export function shellCommand(program: Command): void {
  program
    .command("shell")
    .description("open an interactive root login shell in a node (needs a terminal; lab exec runs one command)")
    .argument("<lab>", "the lab's name")
    .argument("<node>", "the node")
    .action(async (lab: string, node: string, _opts: unknown, cmd: Command) => {
      await reported(cmd, async () => {
        const { stdin, stdout } = process;
        if (!stdin.isTTY || !stdout.isTTY) {
          throw new UserError(`failed to open a shell on node ${node}: ${stdin.isTTY ? "stdout" : "stdin"} is not a terminal`, {
            hint: `run it from a terminal, or run commands without one: lab exec ${lab} ${node} -- CMD...`,
            exitCode: 2,
          });
        }
        const existing = await labFromState(lab);
        labNode(existing, node, "open a shell");
        process.exitCode = await existing.provider.shell(lab, node, { stdin, stdout });
      });
    });
}
