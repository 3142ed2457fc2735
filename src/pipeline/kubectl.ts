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

/**
 * `sh -c` script behind {@link watchArgv}: "$@" is the kubectl watch. A first, cheap try (curl,
 * for at most the watch's `seconds`) that the API server answers at all spares a kubectl process
 * per try while it is down. The watch's process id comes first down the pipe, so that the reader
 * can end the watch as soon as a line passes (SIGINT: no "Terminated" notice from the shell).
 */
function watchScript(test: string, seconds: number): string {
  return [
    `server=$(sed -n 's/^ *server: *//p' ${kubeconfigPath("admin")} | head -n 1)`,
    `curl -sk -o /dev/null --max-time ${seconds} "$server/readyz" || { echo "no answer from the API server at $server"; exit 1; }`,
    // kubectl's errors go straight out (fd 3), never to the reader, where a loose test could pass them.
    "exec 3>&1",
    `{ sh -c 'echo $$; exec "$@" 2>&3' kubectl "$@"; } | {`,
    "  read -r pid || exit 1",
    "  last=",
    "  while IFS= read -r line; do",
    '    last=$line',
    `    if ${test}; then kill -INT "$pid" 2>/dev/null; printf '%s\n' "$line"; exit 0; fi`,
    "  done",
    "  printf '%s\n' \"$last\"; exit 1",
    "}",
  ].join("\n");
}

/**
 * A command that watches one object (`kubectl get ARGS --watch`, one line per change, printed by
 * the go-template `template`) and exits 0 printing the first line for which `test`, a shell
 * condition on "$line", holds; or 1 printing the last line (and kubectl's error, if any) when the
 * watch ends after `seconds` or fails. One kubectl process waits on the API server's watch where
 * polling ran one per try (about 85 ms of CPU each, ten a second, beside the pods and
 * components being waited for).
 */
export function watchArgv(args: readonly string[], template: string, test: string, seconds: number): string[] {
  return ["sh", "-c", watchScript(test, seconds), "watch", ...kubectlArgv([`--request-timeout=${seconds}s`, "get", ...args, "--watch", "-o", `go-template=${template}{{"\\n"}}`])];
}

/** Runs kubectl; throws a CommandError when it fails. */
export function kubectl(ctx: LabContext, args: readonly string[], stdin?: string): Promise<string> {
  return run(ctx, adminNode(ctx.plan).name, requestArgv(ctx, args), { stdin, what: `run kubectl ${args[0] ?? ""}`.trim() });
}

/** Runs kubectl; resolves with the result whatever the exit code. */
export function tryKubectl(ctx: LabContext, args: readonly string[], stdin?: string): Promise<ExecResult> {
  return exec(ctx, adminNode(ctx.plan).name, requestArgv(ctx, args), stdin);
}
