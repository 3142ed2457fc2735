/**
 * `lab list`: every lab that exists (with provider, nodes, state and age), and the lab files
 * there are to bring up.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { listLabs } from "../../lab/lab-status.js";
import { packagePath } from "../../package-root.js";
import { createProvider } from "../../providers/registry.js";
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
        const provider = createProvider("docker");
        await provider.preflight();
        const labs = await listLabs(provider);
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
