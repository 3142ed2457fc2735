/**
 * `lab list`: every lab that exists (with provider, nodes, state and age), and the lab files
 * there are to bring up.
 */
import type { Command } from "commander";
import { labFiles } from "../../lab/lab-files.js";
import { listLabs } from "../../lab/lab-status.js";
import { reachableProviders } from "../../providers/registry.js";
import { age, printResult, reported, table } from "../output.js";

/** Registers `lab list`. */
export function listCommand(program: Command): void {
  program
    .command("list")
    .description("list labs that exist, and the lab files available to bring up")
    .action(async (_opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        // Every provider this host can run: labs of both kinds are listed; Docker's absence is
        // reported when no provider at all can be reached.
        const labs = await listLabs(await reachableProviders());
        const available = (await labFiles()).map((f) => f.name);
        printResult(global, { labs, available }, () => [
          ...(labs.length
            ? table(
                ["LAB", "PROVIDER", "NODES", "STATE", "AGE"],
                labs.map((l) => [l.lab, l.provider, `${l.running}/${l.nodes}`, l.phase, age(l.createdAt)]),
              )
            : ["no labs exist"]),
          "",
          `lab files: ${available.join(", ")}`,
        ]);
      });
    });
}
