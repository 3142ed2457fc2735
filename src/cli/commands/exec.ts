/**
 * `lab exec NAME NODE -- CMD...`: run a command in a node and pass its output and exit code on.
 */
import type { Command } from "commander";
import { labFromState, labNode } from "../../lab/lab-from-state.js";
import { reported } from "../output.js";

/** Registers `lab exec`. */
export function execCommand(program: Command): void {
  program
    .command("exec")
    .description("run a command in a node, e.g. lab exec coreos-single core1 -- kubectl --kubeconfig /etc/kubernetes/admin.kubeconfig get pods -A")
    .argument("<lab>", "the lab's name")
    .argument("<node>", "the node")
    .argument("<command...>", "the command and its arguments (after --)")
    .action(async (lab: string, node: string, command: string[], _opts: unknown, cmd: Command) => {
      await reported(cmd, async () => {
        const existing = await labFromState(lab);
        labNode(existing, node, "run a command");
        const { provider } = existing;
        const r = await provider.exec(lab, node, command);
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        process.exitCode = r.exitCode;
      });
    });
}
