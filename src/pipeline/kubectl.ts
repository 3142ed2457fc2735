/**
 * kubectl as the lab's admin, run on the first control plane node (the version the lab runs,
 * whatever the host has).
 */
import { adminNode } from "../plan/plan.js";
import { kubeconfigPath } from "../render/node-layout.js";
import type { LabContext } from "./lab-context.js";
import { exec, run, scaledTimeout } from "./node-commands.js";
import type { ExecResult } from "../providers/provider.js";

/** argv of a kubectl command as the admin. */
export function kubectlArgv(args: readonly string[]): string[] {
  return ["kubectl", `--kubeconfig=${kubeconfigPath("admin")}`, ...args];
}

/**
 * How long one of kubelab's kubectl requests may take (scaled by the provider's slowness). An API
 * server that cannot reach etcd holds each request for its own minute before it answers; a
 * check or drill need not wait that out.
 */
const REQUEST_TIMEOUT_MS = 20_000;

/** argv of a kubectl command kubelab runs itself: as the admin, with its request timeout. */
export function requestArgv(ctx: LabContext, args: readonly string[]): string[] {
  return kubectlArgv([`--request-timeout=${Math.ceil(scaledTimeout(REQUEST_TIMEOUT_MS, ctx) / 1000)}s`, ...args]);
}

/** Runs kubectl; throws a CommandError when it fails. */
export function kubectl(ctx: LabContext, args: readonly string[], stdin?: string): Promise<string> {
  return run(ctx, adminNode(ctx.plan).name, requestArgv(ctx, args), { stdin, what: `run kubectl ${args[0] ?? ""}`.trim() });
}

/** Runs kubectl; resolves with the result whatever the exit code. */
export function tryKubectl(ctx: LabContext, args: readonly string[], stdin?: string): Promise<ExecResult> {
  return exec(ctx, adminNode(ctx.plan).name, requestArgv(ctx, args), stdin);
}
