/**
 * kubectl as the lab's admin, run on the first control plane node (the version the lab runs,
 * whatever the host has).
 */
import { adminNode } from "../plan/plan.js";
import { kubeconfigPath } from "../render/node-layout.js";
import type { LabContext } from "./lab-context.js";
import { exec, run } from "./node-commands.js";
import type { ExecResult } from "../providers/provider.js";

/** argv of a kubectl command as the admin. */
export function kubectlArgv(args: readonly string[]): string[] {
  return ["kubectl", `--kubeconfig=${kubeconfigPath("admin")}`, ...args];
}

/** Runs kubectl; throws a CommandError when it fails. */
export function kubectl(ctx: LabContext, args: readonly string[], stdin?: string): Promise<string> {
  return run(ctx, adminNode(ctx.plan).name, kubectlArgv(args), { stdin, what: `run kubectl ${args[0] ?? ""}`.trim() });
}

/** Runs kubectl; resolves with the result whatever the exit code. */
export function tryKubectl(ctx: LabContext, args: readonly string[], stdin?: string): Promise<ExecResult> {
  return exec(ctx, adminNode(ctx.plan).name, kubectlArgv(args), stdin);
}
