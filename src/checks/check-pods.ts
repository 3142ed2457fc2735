/**
 * Pods the checks run: created in their own namespace from the lab's toolbox image, waited for,
 * and when they misbehave, described by name, state (ImagePullBackOff, CrashLoopBackOff...) and
 * the last lines of their log.
 */
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { CommandError, shellLine } from "../errors.js";
import { TOOLBOX_IMAGE } from "../images/image-names.js";
import { adminNode } from "../plan/plan.js";
import { requestArgv, tryKubectl, watchArgv } from "../pipeline/kubectl.js";
import type { LabContext } from "../pipeline/lab-context.js";
import type { ExecResult } from "../providers/provider.js";
import type { PodCheck } from "./check.js";
import { lastLines, pollUntil, scaledTimeout } from "../pipeline/node-commands.js";

/** The namespace check pods live in. */
export const CHECK_NAMESPACE = "kubelab-checks";

/** Label on everything the checks create. */
export const CHECK_LABEL = "kubelab.io/check";

/** Label naming the run that created an object (its suffix). */
export const RUN_LABEL = "kubelab.io/run";

/**
 * The service account check pods run as. The checks create it themselves, so their pods do not
 * wait for the controller manager to make the namespace's "default" account.
 */
export const CHECK_SERVICE_ACCOUNT = "kubelab-check";

/** A short random suffix, so reruns never collide with objects still terminating. */
export function runSuffix(): string {
  return randomBytes(3).toString("hex");
}

/** A pod as far as the checks read it. */
export interface PodInfo {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

/** A pod manifest running the toolbox image. */
export function toolboxPod(options: {
  name: string;
  check: string;
  run: string;
  command: string[];
  nodeName?: string;
  labels?: Record<string, string>;
}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.name,
      namespace: CHECK_NAMESPACE,
      labels: { [CHECK_LABEL]: options.check, [RUN_LABEL]: options.run, ...options.labels },
    },
    spec: {
      // Never restarted: after a node boots again, kubelet does not start the pods of earlier runs
      // (which the next run deletes) while it starts that run's own.
      restartPolicy: "Never",
      serviceAccountName: CHECK_SERVICE_ACCOUNT,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      // A node that just turned Ready keeps its not-ready taint until the node lifecycle
      // controller's next pass (every 5s); the checks' pods need not wait for that.
      tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }],
      containers: [{ name: "main", image: TOOLBOX_IMAGE, imagePullPolicy: "IfNotPresent", command: options.command }],
    },
  };
}

/** One namespace setup per run, shared by the checks that run at the same time. */
const namespaceReady = new WeakMap<LabContext, Promise<void>>();

/** The checks' namespace and service account, applied once per run. */
function ensureNamespace(ctx: LabContext): Promise<void> {
  let ready = namespaceReady.get(ctx);
  if (!ready) {
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: CHECK_NAMESPACE } };
    const account = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: CHECK_SERVICE_ACCOUNT, namespace: CHECK_NAMESPACE },
      automountServiceAccountToken: false,
    };
    ready = apply(ctx, [namespace, account], "failed to create the checks' namespace").then(() => undefined);
    namespaceReady.set(ctx, ready);
  }
  return ready;
}

/** An object as `kubectl apply -o json` returns it. */
export interface AppliedObject {
  kind: string;
  metadata: { name: string };
  spec?: { clusterIP?: string };
}

function tryApply(ctx: LabContext, objects: Record<string, unknown>[]): Promise<ExecResult> {
  return tryKubectl(ctx, ["apply", "-f", "-", "-o", "json"], objects.map((o) => stringify(o)).join("---\n"));
}

function applyError(ctx: LabContext, r: ExecResult, message: string): CommandError {
  return new CommandError(message, {
    command: "kubectl apply -f -",
    where: adminNode(ctx.plan).name,
    exitCode: r.exitCode,
    // A kubectl (or the way to its node) that ended without a word still says how it ended.
    output: lastLines(`${r.stdout}${r.stderr}`).trim() || `kubectl exited with code ${r.exitCode} and printed nothing`,
  });
}

function appliedObjects(stdout: string): AppliedObject[] {
  const out = JSON.parse(stdout) as AppliedObject | { items: AppliedObject[] };
  return "items" in out ? out.items : [out];
}

async function apply(ctx: LabContext, objects: Record<string, unknown>[], message: string): Promise<AppliedObject[]> {
  const r = await tryApply(ctx, objects);
  if (r.exitCode !== 0) throw applyError(ctx, r, message);
  return appliedObjects(r.stdout);
}

/**
 * `kubectl apply` of a check's objects; resolves with the objects as the API server stored them.
 * The checks' namespace and service account are made when the apply finds them missing (the first
 * run of a lab): later runs go straight to their objects.
 */
export async function applyObjects(ctx: LabContext, objects: Record<string, unknown>[]): Promise<AppliedObject[]> {
  const message = "failed to create the check's pods";
  if (!namespaceReady.has(ctx)) {
    const first = await tryApply(ctx, objects);
    if (first.exitCode === 0) return appliedObjects(first.stdout);
    if (!/namespaces? "?kubelab-checks"? not found|serviceaccounts? "?kubelab-check"? not found/.test(first.stderr)) throw applyError(ctx, first, message);
  }
  await ensureNamespace(ctx);
  return apply(ctx, objects, message);
}

/** A run of a pod check whose objects the API server has. */
export interface PodRun {
  /** The run's suffix, in the name of everything it created. */
  readonly suffix: string;
  /** Its objects as the API server stored them. */
  readonly applied: AppliedObject[];
  /** The deletion of what earlier runs of the check left, which goes on while this run's pods start. */
  readonly cleaned: Promise<void>;
}

/** Runs applied ahead (by `lab start`), by context and check; each is taken once, by its check. */
const runsAhead = new WeakMap<LabContext, Map<string, PodRun>>();

/** Applies run `suffix` of check `check`: its objects, then (without waiting) the deletion of what earlier runs left. */
export async function applyRun(ctx: LabContext, check: string, suffix: string, objects: Record<string, unknown>[]): Promise<PodRun> {
  const applied = await applyObjects(ctx, objects);
  return { suffix, applied, cleaned: cleanUp(ctx, check, suffix) };
}

/** Applies a new run of a pod check: its objects, named by a fresh suffix. */
function applyPodRun(ctx: LabContext, check: PodCheck): Promise<PodRun> {
  const suffix = runSuffix();
  return applyRun(ctx, check.id, suffix, check.pods(ctx.plan, suffix));
}

/**
 * Applies a run of each pod check ahead of the checks, for `lab start`: while the cluster comes
 * back, before the checks step, whose checks then take these runs. Resolves with the checks applied
 * and their runs' suffixes once earlier runs' leftovers are deleted too, so that nothing goes on
 * after it. A check whose objects could not be applied is left out: it applies its own run in the
 * checks step, which reports the failure if it fails again.
 */
export async function startPodRunsAhead(
  ctx: LabContext,
  checks: readonly PodCheck[],
): Promise<{ started: { id: string; suffix: string }[]; failed: { id: string; error: unknown }[] }> {
  const settled = await Promise.allSettled(checks.map((c) => applyPodRun(ctx, c)));
  const runs = new Map<string, PodRun>();
  const failed: { id: string; error: unknown }[] = [];
  for (const [i, r] of settled.entries()) {
    if (r.status === "fulfilled") runs.set(checks[i]!.id, r.value);
    else failed.push({ id: checks[i]!.id, error: r.reason });
  }
  await Promise.all([...runs.values()].map((r) => r.cleaned));
  runsAhead.set(ctx, runs);
  return { started: [...runs].map(([id, r]) => ({ id, suffix: r.suffix })), failed };
}

/**
 * Starts one run of a pod check: the run applied ahead for it, if any, or its objects applied now;
 * then `podsApplied` (the other checks wait for it). The check awaits the run's `cleaned` at its end.
 */
export async function startPodRun(ctx: LabContext, check: PodCheck, podsApplied: () => void): Promise<PodRun> {
  const ahead = runsAhead.get(ctx);
  const taken = ahead?.get(check.id);
  ahead?.delete(check.id);
  const run = taken ?? (await applyPodRun(ctx, check));
  podsApplied();
  return run;
}

/** Deletes what earlier runs of a check left (everything but run `keep`), without waiting. */
async function cleanUp(ctx: LabContext, check: string, keep: string): Promise<void> {
  await tryKubectl(ctx, [
    "delete",
    "pods,services",
    "-n",
    CHECK_NAMESPACE,
    "-l",
    `${CHECK_LABEL}=${check},${RUN_LABEL}!=${keep}`,
    "--wait=false",
    "--ignore-not-found",
  ]);
}

/** The pod, or undefined when it does not exist. */
export async function getPod(ctx: LabContext, name: string): Promise<PodInfo | undefined> {
  const r = await tryKubectl(ctx, ["get", "pod", name, "-n", CHECK_NAMESPACE, "-o", "json"]);
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as PodInfo) : undefined;
}

/** Container waiting reasons that waiting will not cure (the image cannot be had, it keeps crashing). */
const STUCK_REASONS = ["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "CrashLoopBackOff", "CreateContainerConfigError", "InvalidImageName"];

/** Lines that part a pod wait's output: the watch's last line, then the pod as it is, then its log. */
const POD_MARK = "--- kubelab: the pod ---";
const LOG_MARK = "--- kubelab: its log ---";

/**
 * A command that exits 0 once the pod is in one of `phases` or stuck, watching it for `seconds`
 * (its phase and its containers' waiting reasons, matched word by word); either way it then prints
 * the pod as JSON and, with `withLog`, the last lines of its log. One `docker exec` where three
 * followed each other, each costing more than the kubectl it runs.
 */
function settledArgv(ctx: LabContext, name: string, phases: readonly string[], seconds: number, withLog: boolean): string[] {
  const words = [...phases, ...STUCK_REASONS].map((w) => `*" ${w} "*`).join("|");
  const then = [
    `printf '%s\\n' '${POD_MARK}'`,
    `${shellLine(requestArgv(ctx, ["get", "pod", name, "-n", CHECK_NAMESPACE, "-o", "json"]))} 2>/dev/null`,
    ...(withLog ? [`printf '%s\\n' '${LOG_MARK}'`, `${shellLine(requestArgv(ctx, ["logs", name, "-n", CHECK_NAMESPACE, "--tail=10"]))} 2>/dev/null`] : []),
  ];
  const watch = watchArgv(
    ["pod", name, "-n", CHECK_NAMESPACE],
    "{{.status.phase}}{{range .status.containerStatuses}} {{with .state.waiting}}{{.reason}}{{end}}{{end}}",
    `case " $line " in ${words}) true;; *) false;; esac`,
    seconds,
  );
  return ["sh", "-c", ['"$@"; code=$?', ...then, 'exit "$code"'].join("\n"), "settled", ...watch];
}

/**
 * The pod and log a {@link settledArgv} printed; undefined when its output has no pod part (the
 * exec itself failed). `pod` is undefined when the pod was not there, `log` when not asked for.
 */
export function settledOutput(out: string): { pod: PodInfo | undefined; log: string | undefined } | undefined {
  const lines = out.split("\n");
  const podAt = lines.indexOf(POD_MARK);
  if (podAt < 0) return undefined;
  const logAt = lines.indexOf(LOG_MARK, podAt + 1);
  const podText = lines.slice(podAt + 1, logAt < 0 ? undefined : logAt).join("\n").trim();
  let pod: PodInfo | undefined;
  try {
    pod = podText ? (JSON.parse(podText) as PodInfo) : undefined;
  } catch {
    pod = undefined;
  }
  return { pod, log: logAt < 0 ? undefined : lines.slice(logAt + 1).join("\n").trim() };
}

/**
 * Waits until the pod is in one of `phases` (and, Running, has its IP); resolves with the last
 * pod seen, whether it got there and, with `withLog`, the last lines of its log then. A watch runs
 * inside the admin node, a few seconds per round; between rounds this gives up early on a pod that
 * will not start (its image cannot be had, it keeps crashing, its node is gone or stays not Ready).
 */
export async function waitForPod(
  ctx: LabContext,
  name: string,
  phases: readonly string[],
  timeoutMs: number,
  options: { withLog?: boolean } = {},
): Promise<{ pod: PodInfo | undefined; ok: boolean; log?: string }> {
  const started = Date.now();
  const deadline = started + scaledTimeout(timeoutMs, ctx);
  const done = (p: PodInfo): boolean => phases.includes(p.status.phase ?? "") && (p.status.phase !== "Running" || Boolean(p.status.podIP));
  // How long a pod may stay Pending, and then its node not Ready, before this gives up on it (a
  // node can turn NotReady for a while and back when its kubelet is starved, e.g. under emulation).
  const grace = scaledTimeout(5_000, ctx);
  let notReadySince: number | undefined;
  let pod: PodInfo | undefined;
  while (Date.now() < deadline) {
    // Watched a few seconds at a time inside the node (one kubectl, not one per try).
    const round = Math.min(deadline, Date.now() + 5_000);
    const seconds = Math.max(1, Math.ceil((round - Date.now()) / 1000));
    const r = await pollUntil(ctx, adminNode(ctx.plan).name, settledArgv(ctx, name, phases, seconds, options.withLog === true), round, 100);
    const seen = settledOutput(r.stdout);
    pod = seen ? seen.pod : await getPod(ctx, name);
    if (pod && done(pod)) return { pod, ok: true, log: seen?.log };
    if (pod && isStuck(pod)) break;
    // A pod bound to a node that is gone or stays not Ready will not start: say so rather than wait.
    if (pod?.spec.nodeName && pod.status.phase === "Pending" && Date.now() - started > grace) {
      if (await nodeReady(ctx, pod.spec.nodeName)) notReadySince = undefined;
      else if (Date.now() - (notReadySince ??= Date.now()) >= grace) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pod, ok: false };
}

/** True when the node exists and is Ready. */
async function nodeReady(ctx: LabContext, node: string): Promise<boolean> {
  const r = await tryKubectl(ctx, ["get", "node", node, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  return r.exitCode === 0 && r.stdout.trim() === "True";
}

/** True when a pod will not get better by waiting (its image cannot be had, it keeps crashing). */
function isStuck(pod: PodInfo): boolean {
  return (pod.status.containerStatuses ?? []).some((c) => STUCK_REASONS.includes(c.state?.waiting?.reason ?? ""));
}

/** The pod's state in one line: phase, node, and each container's waiting/terminated reason. */
export function podState(pod: PodInfo | undefined, name: string): string {
  if (!pod) return `pod ${name} does not exist`;
  const containers = (pod.status.containerStatuses ?? []).map((c) => {
    const waiting = c.state?.waiting;
    const terminated = c.state?.terminated;
    if (waiting) return `${c.name} ${waiting.reason ?? "waiting"}${waiting.message ? ` (${waiting.message})` : ""}`;
    if (terminated) return `${c.name} ${terminated.reason ?? "terminated"} (exit ${terminated.exitCode})`;
    return `${c.name} ${c.ready ? "ready" : "running"}${c.restartCount ? `, ${c.restartCount} restarts` : ""}`;
  });
  const where = pod.spec.nodeName ? ` on ${pod.spec.nodeName}` : " (not scheduled)";
  return `pod ${name}: ${pod.status.phase ?? "Unknown"}${where}${containers.length ? `; ${containers.join("; ")}` : ""}`;
}

/** The last lines of a pod's log (empty when there is none). */
export async function podLogTail(ctx: LabContext, name: string, namespace = CHECK_NAMESPACE, lines = 10): Promise<string> {
  const r = await tryKubectl(ctx, ["logs", name, "-n", namespace, `--tail=${lines}`]);
  return r.exitCode === 0 ? r.stdout.trim() : "";
}

/** Why a pod check failed: its state, and its log when it has one. */
export async function podProblem(ctx: LabContext, pod: PodInfo | undefined, name: string, namespace = CHECK_NAMESPACE): Promise<string> {
  const log = pod ? await podLogTail(ctx, name, namespace) : "";
  return log ? `${podState(pod, name)}\nlast log lines:\n${log}` : podState(pod, name);
}
