/**
 * `lab up NAME|FILE`: bring a lab up and run its checks.
 */
import type { Command } from "commander";
import { parseWith } from "../../artifacts/resolve-artifacts.js";
import { PROVIDERS, type ProviderName } from "../../config/lab-schema.js";
import { UserError } from "../../errors.js";
import { labUp } from "../../lab/lab-up.js";
import { runRendered } from "../event-output.js";
import type { GlobalOptions } from "../output.js";

/** Registers `lab up`. */
export function upCommand(program: Command): void {
  program
    .command("up")
    .description("bring a lab up (nodes, certificates, units, network) and prove it works")
    .argument("<lab>", "a lab name (labs/NAME.yaml) or a path to a lab file")
    .option("--with <name=path>", "run a local binary instead of the release's (repeatable), e.g. kube-apiserver=./kube-apiserver", collect, [])
    .option("--provider <name>", `run the nodes with this provider (${PROVIDERS.join(", ")})`)
    .option("--scale <prefix=count>", "set the number of nodes of a group (repeatable), e.g. fed-node=5", collect, [])
    .action(async (lab: string, opts: { with: string[]; provider?: string; scale: string[] }, cmd: Command) => {
      await runRendered(cmd.optsWithGlobals<GlobalOptions>(), async (emit, signal) => {
        if (opts.provider && !(PROVIDERS as readonly string[]).includes(opts.provider)) {
          throw new UserError(`failed to use --provider ${opts.provider}: unknown provider`, { hint: `choose one of ${PROVIDERS.join(", ")}`, exitCode: 2 });
        }
        return labUp({
          lab,
          with: parseWith(opts.with),
          provider: opts.provider as ProviderName | undefined,
          scale: parseScale(opts.scale),
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
