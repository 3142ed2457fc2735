/**
 * `lab down NAME` / `lab down --all`: remove a lab (or every lab) and everything it made.
 */
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { labDown, labDownAll, type LabDownResult } from "../../lab/lab-down.js";
import { printResult, reported } from "../output.js";

function summary(r: LabDownResult): string {
  const { nodes, networks, volumes } = r.removed;
  return nodes.length + networks.length + volumes.length === 0 && !r.stateRemoved
    ? `lab ${r.lab}: nothing to remove`
    : `lab ${r.lab} removed: ${nodes.length} nodes, ${networks.length} networks, ${volumes.length} volumes${r.stateRemoved ? ", state directory" : ""} (${(r.durationMs / 1000).toFixed(1)}s)`;
}

/** Registers `lab down`. */
export function downCommand(program: Command): void {
  program
    .command("down")
    .description("remove a lab: its nodes, network, volumes and state (also a half-made one, or one whose state is gone)")
    .argument("[lab]", "the lab's name")
    .option("--all", "remove every lab (those with state, and any resources labelled for a lab)")
    .action(async (lab: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      await reported(cmd, async (global) => {
        if (Boolean(lab) === Boolean(opts.all)) {
          throw new UserError(lab ? "failed to read the command: give a lab's name or --all, not both" : "failed to read the command: which lab?", {
            hint: "lab down NAME removes one lab; lab down --all removes every lab",
            exitCode: 2,
          });
        }
        if (opts.all) {
          const all = await labDownAll();
          printResult(global, all, () => (all.length ? all.map(summary) : ["no labs to remove"]));
          return;
        }
        const r = await labDown(lab!);
        printResult(global, r, () => [summary(r)]);
      });
    });
}
