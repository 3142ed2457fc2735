/**
 * `lab logs NAME NODE [UNIT]`: a node's journal, for one unit or all of them.
 */
import type { Command } from "commander";
import { labFromState, labNode } from "../../lab/lab-from-state.js";
import { reported } from "../output.js";

/** Registers `lab logs`. */
export function logsCommand(program: Command): void {
  program
    .command("logs")
    .description("show a node's journal, for one unit (kubelet, etcd, kube-apiserver, ...) or all")
    .argument("<lab>", "the lab's name")
    .argument("<node>", "the node")
    .argument("[unit]", "a systemd unit")
    .option("-n, --lines <n>", "how many lines", "200")
    .action(async (lab: string, node: string, unit: string | undefined, opts: { lines: string }, cmd: Command) => {
      await reported(cmd, async (global) => {
        const existing = await labFromState(lab);
        labNode(existing, node, "read logs");
        const { provider } = existing;
        const argv = ["journalctl", "--no-pager", "-n", opts.lines, ...(unit ? ["-u", unit] : []), ...(global.json ? ["-o", "json"] : [])];
        const r = await provider.exec(lab, node, argv);
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        process.exitCode = r.exitCode;
      });
    });
}
