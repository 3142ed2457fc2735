/**
 * `lab kubeconfig NAME [--merge | --unmerge]`: the path of a lab's admin kubeconfig, or its
 * credentials merged into (or removed from) the user's kubeconfig as context `lab-NAME`.
 */
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { labKubeconfigPath, mergeLabKubeconfig, unmergeLabKubeconfig } from "../../lab/lab-kubeconfig.js";
import { printResult, reported } from "../output.js";

/** Registers `lab kubeconfig`. */
export function kubeconfigCommand(program: Command): void {
  program
    .command("kubeconfig")
    .description("print the path of a lab's admin kubeconfig, or merge it into your kubeconfig as context lab-NAME")
    .argument("<lab>", "the lab's name")
    .option("--merge", "add (or replace) cluster, user and context lab-NAME in $KUBECONFIG's first file or ~/.kube/config; the current context changes only when there is none")
    .option("--unmerge", "remove cluster, user and context lab-NAME from that file (and the current context when it is lab-NAME)")
    .action(async (lab: string, opts: { merge?: boolean; unmerge?: boolean }, cmd: Command) => {
      await reported(cmd, async (global) => {
        if (opts.merge && opts.unmerge) {
          throw new UserError("failed to use --merge with --unmerge: choose one", { hint: `e.g. lab kubeconfig ${lab} --merge`, exitCode: 2 });
        }
        if (opts.merge) {
          const r = await mergeLabKubeconfig(lab);
          printResult(global, r, () => [
            `${r.replaced ? "replaced" : "added"} cluster, user and context ${r.context} in ${r.file}`,
            r.currentContextSet
              ? `${r.context} is the current context (the file had none): kubectl get nodes`
              : `use it with: kubectl --context ${r.context} get nodes (or: kubectl config use-context ${r.context})`,
          ]);
          return;
        }
        if (opts.unmerge) {
          const r = await unmergeLabKubeconfig(lab);
          printResult(global, r, () => [
            r.removed === 0 && !r.currentContextCleared
              ? `${r.file} has no entries named ${r.context}: nothing to remove`
              : `removed cluster, user and context ${r.context} from ${r.file}${r.currentContextCleared ? " (it was the current context: there is none now)" : ""}`,
          ]);
          return;
        }
        const path = await labKubeconfigPath(lab);
        printResult(global, { lab, kubeconfig: path }, () => [path]);
      });
    });
}
