/**
 * `lab down NAME`: remove a lab and everything it made.
 */
import type { Command } from "commander";
import { labDown } from "../../lab/lab-down.js";
import { printResult, reported } from "../output.js";

/** Registers `lab down`. */
export function downCommand(program: Command): void {
  program
    .command("down")
    .description("remove a lab: its nodes, network, volumes and state (also a half-made one)")
    .argument("<lab>", "the lab's name")
    .action(async (lab: string, _opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        const r = await labDown(lab);
        const { nodes, networks, volumes } = r.removed;
        printResult(global, r, () => [
          nodes.length + networks.length + volumes.length === 0 && !r.stateRemoved
            ? `lab ${lab}: nothing to remove`
            : `lab ${lab} removed: ${nodes.length} nodes, ${networks.length} networks, ${volumes.length} volumes${r.stateRemoved ? ", state directory" : ""} (${(r.durationMs / 1000).toFixed(1)}s)`,
        ]);
      });
    });
}
