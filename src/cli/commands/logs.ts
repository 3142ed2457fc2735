/**
 * `lab logs NAME NODE [UNIT] [-f]`: a node's journal, for one unit or all of them; with -f,
 * followed until Ctrl-C.
 */
import type { Command } from "commander";
import { labFromState, labNode } from "../../lab/lab-from-state.js";
import { readJournal } from "../../lab/node-journal.js";
import { reported } from "../output.js";

/** The exit code of a follow ended by Ctrl-C (128 + SIGINT), as a shell reports it. */
const INTERRUPTED = 130;

/** Registers `lab logs`. */
export function logsCommand(program: Command): void {
  program
    .command("logs")
    .description("show a node's journal, for one unit (kubelet, etcd, kube-apiserver, ...) or all")
    .argument("<lab>", "the lab's name")
    .argument("<node>", "the node")
    .argument("[unit]", "a systemd unit")
    .option("-n, --lines <n>", "how many lines", "200")
    .option("-f, --follow", "keep printing new entries until Ctrl-C")
    .action(async (lab: string, node: string, unit: string | undefined, opts: { lines: string; follow?: boolean }, cmd: Command) => {
      await reported(cmd, async (global) => {
        const existing = await labFromState(lab);
        labNode(existing, node, "read logs");
        const options = { ...(unit ? { unit } : {}), lines: opts.lines, json: Boolean(global.json) };
        if (!opts.follow) {
          const r = await readJournal(existing.provider, lab, node, options);
          process.stdout.write(r.stdout);
          process.stderr.write(r.stderr);
          process.exitCode = r.exitCode;
          return;
        }
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        try {
          const r = await readJournal(existing.provider, lab, node, {
            ...options,
            follow: true,
            signal: controller.signal,
            onOutput: (chunk, stream) => (stream === "stdout" ? process.stdout : process.stderr).write(chunk),
          });
          process.exitCode = controller.signal.aborted ? INTERRUPTED : r.exitCode;
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      });
    });
}
