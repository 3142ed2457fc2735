/**
 * `lab exec NAME NODE -- CMD...`: run a command in a node and pass its output and exit code on.
 */
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { labFromState } from "../../lab/lab-from-state.js";
import { reportError, type GlobalOptions } from "../output.js";

/** Registers `lab exec`. */
export function execCommand(program: Command): void {
  program
    .command("exec")
    .description("run a command in a node, e.g. lab exec coreos-single core1 -- kubectl --kubeconfig /etc/kubernetes/admin.kubeconfig get pods -A")
    .argument("<lab>", "the lab's name")
    .argument("<node>", "the node")
    .argument("<command...>", "the command and its arguments (after --)")
    .action(async (lab: string, node: string, command: string[], _opts: unknown, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      try {
        const { plan, provider } = await labFromState(lab);
        if (!plan.nodes.some((n) => n.name === node)) {
          throw new UserError(`failed to run a command: lab ${lab} has no node ${node}`, { hint: `its nodes: ${plan.nodes.map((n) => n.name).join(", ")}`, exitCode: 2 });
        }
        const r = await provider.exec(lab, node, command);
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        process.exitCode = r.exitCode;
      } catch (error) {
        process.exitCode = reportError(error, global);
      }
    });
}
