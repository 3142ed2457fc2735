/**
 * `lab break LAB DRILL [--node NODE]` and `lab heal LAB`: fault drills, to see in `lab verify` what
 * fails and why, and to put right.
 */
import type { Command } from "commander";
import { FAULTS } from "../../faults/fault-list.js";
import { labBreak, labHeal } from "../../lab/lab-break.js";
import { printResult, reported } from "../output.js";

/** Registers `lab break` and `lab heal`. */
export function breakHealCommands(program: Command): void {
  program
    .command("break")
    .description(`break a lab on purpose, then see it with lab verify and undo it with lab heal: ${FAULTS.map((f) => `${f.id} (${f.title})`).join(", ")}`)
    .argument("<lab>", "the lab's name")
    .argument("<drill>", `one of: ${FAULTS.map((f) => f.id).join(", ")}`)
    .option("--node <node>", "the node to break (default: the drill's own pick, named in the output)")
    .action(async (lab: string, drill: string, opts: { node?: string }, cmd: Command) => {
      await reported(cmd, async (global) => {
        const r = await labBreak(lab, drill, opts.node);
        printResult(global, r, () => [
          `broke lab ${r.lab}: ${r.title} (${r.fault} on ${r.node})`,
          `  what to expect: ${r.expect}`,
          `  see it: lab verify ${r.lab}`,
          `  undo it: lab heal ${r.lab}`,
        ]);
      });
    });
  program
    .command("heal")
    .description("undo every drill lab break put into a lab, newest first, waiting until what each stopped is back")
    .argument("<lab>", "the lab's name")
    .action(async (lab: string, _opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        const r = await labHeal(lab);
        printResult(global, r, () =>
          r.healed.length
            ? [`healed lab ${r.lab}: ${r.healed.map((f) => `${f.fault} on ${f.node}`).join(", ")}`, `  check it: lab verify ${r.lab}`]
            : [`lab ${r.lab} has no drill in effect: nothing to heal`],
        );
      });
    });
}
