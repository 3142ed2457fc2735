/**
 * `lab up NAME|FILE`: bring a lab up and run its checks.
 */
import type { Command } from "commander";
import { parseWith } from "../../artifacts/resolve-artifacts.js";
import { PROVIDERS, type ProviderName } from "../../config/lab-schema.js";
import { UserError } from "../../errors.js";
import { labUp } from "../../lab/lab-up.js";
import { chooseLab } from "../choose-lab.js";
import { runRendered } from "../event-output.js";
import { reportError, type GlobalOptions } from "../output.js";

/** The exit code when the user leaves the list of labs without choosing (as for Ctrl-C). */
const CANCELLED = 130;

/** Registers `lab up`. */
export function upCommand(program: Command): void {
  program
    .command("up")
    .description("bring a lab up (nodes, certificates, units, network) and prove it works")
    .argument("[lab]", "a lab name (labs/NAME.yaml) or a path to a lab file; left out on a terminal, a list of the lab files to choose from")
    .option("--with <name=path>", "run a local binary instead of the release's (repeatable), e.g. kube-apiserver=./kube-apiserver", collect, [])
    .option("--provider <name>", `run the nodes with this provider (${PROVIDERS.join(", ")})`)
    .option("--scale <prefix=count>", "set the number of nodes of a group (repeatable), e.g. fed-node=5", collect, [])
    .option("--until <step>", "stop before this step, to do it by hand or read it first (lab explain LAB lists the steps); lab up LAB carries on")
    .action(async (named: string | undefined, opts: { with: string[]; provider?: string; scale: string[]; until?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      let lab = named;
      if (lab === undefined) {
        try {
          lab = await chooseLab(global);
        } catch (error) {
          process.exitCode = reportError(error, global);
          return;
        }
        if (lab === undefined) {
          process.stderr.write("no lab chosen: nothing brought up\n");
          process.exitCode = CANCELLED;
          return;
        }
      }
      await runRendered(global, async (emit, signal) => {
        if (opts.provider && !(PROVIDERS as readonly string[]).includes(opts.provider)) {
          throw new UserError(`failed to use --provider ${opts.provider}: unknown provider`, { hint: `choose one of ${PROVIDERS.join(", ")}`, exitCode: 2 });
        }
        return labUp({
          lab,
          with: parseWith(opts.with),
          provider: opts.provider as ProviderName | undefined,
          scale: parseScale(opts.scale),
          until: opts.until,
          emit,
          signal,
        });
      });
    });
}

/** `--scale PREFIX=N` values as a map. */
function parseScale(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) {
    const m = value.match(/^([^=]+)=(-?\d+(?:\.\d+)?)$/);
    if (!m) throw new UserError(`failed to read --scale ${value}: expected PREFIX=COUNT`, { hint: "e.g. --scale fed-node=5", exitCode: 2 });
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
