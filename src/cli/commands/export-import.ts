/**
 * `lab export NAME -o FILE` and `lab import FILE`: a lab as a reproduction bundle for a bug
 * report, and the same lab brought up again from one (fresh keys).
 */
import type { Command } from "commander";
import { parseWith } from "../../artifacts/resolve-artifacts.js";
import { labExport } from "../../bundle/lab-export.js";
import { labImport } from "../../bundle/lab-import.js";
import { runRendered } from "../event-output.js";
import { printResult, reported, type GlobalOptions } from "../output.js";

/** Registers `lab export` and `lab import`. */
export function exportImportCommands(program: Command): void {
  program
    .command("export")
    .description("write a lab as a bundle for a bug report: its lab file, versions and checksums, rendered files, public certificates, journals and checks (no keys)")
    .argument("<lab>", "the lab's name")
    .requiredOption("-o, --output <file>", "the bundle to write (a .tar.gz)")
    .option("--force", "replace the file when it exists")
    .action(async (lab: string, opts: { output: string; force?: boolean }, cmd: Command) => {
      await reported(cmd, async (global) => {
        const r = await labExport({ lab, output: opts.output, force: Boolean(opts.force) });
        printResult(global, r, () => [
          `lab ${lab} exported to ${r.file}: ${r.entries} files, ${(r.bytes / 1024).toFixed(0)} KiB (${(r.durationMs / 1000).toFixed(1)}s)`,
          `  ${r.journals.read} journals read${r.journals.notRead ? `, ${r.journals.notRead} not (the reasons are in its bundle.json)` : ""}; ${r.leftOut.length} files left out (private keys, kubeconfigs: its bundle.json says which and why)`,
          `  lab import ${opts.output} --name ${lab}-copy   brings the same lab up again (fresh keys)`,
        ]);
      });
    });
  program
    .command("import")
    .description("bring up the lab of a bundle written by lab export: same topology, versions and settings, fresh keys")
    .argument("<file>", "the bundle")
    .option("--name <name>", "the new lab's name (the bundle's lab's by default)")
    .option("--with <name=path>", "a custom binary the bundle's lab ran, given again (repeatable; its SHA-256 must match)", collect, [])
    .action(async (file: string, opts: { name?: string; with: string[] }, cmd: Command) => {
      await runRendered(cmd.optsWithGlobals<GlobalOptions>(), (emit, signal) =>
        labImport({ file, ...(opts.name ? { name: opts.name } : {}), with: parseWith(opts.with), emit, signal }),
      );
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
