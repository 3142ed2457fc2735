/**
 * `lab stop NAME` and `lab start NAME`: halt a lab's nodes keeping them, and bring it back up
 * with its checks.
 */
import type { Command } from "commander";
import { labStart, labStop } from "../../lab/lab-stop.js";
import { runRendered } from "../event-output.js";
import { printResult, reported, type GlobalOptions } from "../output.js";

/** Registers `lab stop` and `lab start`. */
export function stopStartCommands(program: Command): void {
  program
    .command("stop")
    .description("stop a lab's nodes (containers stopped, VMs halted), keeping them and the lab's state")
    .argument("<lab>", "the lab's name")
    .action(async (lab: string, _opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        const r = await labStop(lab);
        printResult(global, r, () => [`lab ${lab} stopped: ${r.nodes} nodes (${r.provider}, ${(r.durationMs / 1000).toFixed(1)}s); lab start ${lab} brings it back`]);
      });
    });
  program
    .command("start")
    .description("bring a stopped lab back: its nodes, every unit, then the checks")
    .argument("<lab>", "the lab's name")
    .action(async (lab: string, _opts: unknown, cmd: Command) => {
      await runRendered(cmd.optsWithGlobals<GlobalOptions>(), (emit, signal) => labStart(lab, { emit, signal }));
    });
}
