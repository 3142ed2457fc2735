/**
 * `lab list`: every lab that exists (with provider, nodes, state and age), and the lab files
 * there are to bring up.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { listLabs } from "../../lab/lab-status.js";
import { packagePath } from "../../package-root.js";
import { AVAILABLE_PROVIDERS, createProvider } from "../../providers/registry.js";
import { age, printResult, reported, table } from "../output.js";

async function labFiles(): Promise<string[]> {
  const dirs = [join(process.cwd(), "labs"), packagePath("labs")];
  const names = new Set<string>();
  for (const dir of dirs) {
    for (const f of await readdir(dir).catch(() => [])) if (f.endsWith(".yaml")) names.add(f.replace(/\.yaml$/, ""));
  }
  return [...names].sort();
}

/** Registers `lab list`. */
export function listCommand(program: Command): void {
  program
    .command("list")
    .description("list labs that exist, and the lab files available to bring up")
    .action(async (_opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        // Every provider this host can run: labs of both kinds are listed; Docker's absence is
        // reported when no provider at all can be reached.
        const providers = AVAILABLE_PROVIDERS.map(createProvider);
        const reachable = await Promise.all(providers.map((p) => p.preflight().then(() => undefined, (error: unknown) => error)));
        const usable = providers.filter((_, i) => reachable[i] === undefined);
        if (usable.length === 0) throw reachable[0];
        const labs = await listLabs(usable);
        const available = await labFiles();
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
