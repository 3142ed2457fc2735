/**
 * The failover drills of `lab verify --failover`, each a check with a result: an API server
 * stopped behind the load balancer (failed requests counted for 10 s after the load balancer's
 * health check notices), an etcd member stopped with writes still succeeding (3 or more members),
 * and leadership moving when the controller manager's leader stops. Each puts the lab back as it
 * was, also when it fails (even when the stop itself failed halfway).
 */
import { shellLine } from "../errors.js";
import { apiProbeTls } from "../render/api-probe.js";
import { renderFlag } from "../render/flags.js";
import { etcdctlFlags } from "../render/etcd.js";
import { HAPROXY_SOCKET, HEALTH_CHECK } from "../render/haproxy.js";
import { adminNode, kubeletNodes, type Plan } from "../plan/plan.js";
import type { CheckResult } from "../pipeline/events.js";
import { kubectl } from "../pipeline/kubectl.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { exec, lastLines, run, scaledTimeout, waitFor } from "../pipeline/node-commands.js";
import { startComponent, stopComponent } from "../pipeline/components.js";
import { checkResult } from "./check.js";
import { backendStates } from "./load-balancer.js";
import { leaseValid, readLease } from "./leader-election.js";

/** A drill: like a check, run only with --failover. */
export interface Drill {
  readonly id: string;
  readonly title: string;
  /** Why the drill cannot run on this lab, or undefined when it can. */
  notApplicable(plan: Plan): string | undefined;
  run(ctx: LabContext): Promise<CheckResult>;
}

/** At most this many failed requests may reach clients once the load balancer has noticed. */
export const MAX_FAILED_REQUESTS = 1;

/** How long requests are sent through the load balancer. */
const WINDOW_SECONDS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Requests through the load balancer for a while, from a node. Prints a line per failed request,
 * "fail <ms into the window> <curl's exit code> <HTTP status>", then "done <ok> <failed>".
 */
function requestLoop(plan: Plan, url: string, seconds: number): string {
  return [
    `start=$(date +%s%N); end=$(( start + ${seconds}000000000 )); ok=0; failed=0`,
    `while [ "$(date +%s%N)" -lt "$end" ]; do`,
    `  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 ${shellLine(apiProbeTls(plan))} ${url}); rc=$?`,
    '  if [ "$rc" = 0 ] && [ "$status" = 200 ]; then ok=$((ok + 1)); else',
    '    failed=$((failed + 1)); echo "fail $(( ($(date +%s%N) - start) / 1000000 )) $rc $status"',
    "  fi",
    "  sleep 0.05",
    "done",
    'echo "done $ok $failed"',
  ].join("\n");
}

/** curl's exit codes a failed request through the load balancer is likely to end with, in words. */
const CURL_FAILURES: Record<string, string> = {
  "7": "connection refused",
  "28": "timed out after 2s",
  "35": "TLS handshake failed",
  "52": "empty reply",
  "56": "connection reset",
};

/** The failed requests of {@link requestLoop}'s output, counted by kind, with when they came. */
export function describeFailures(output: string): string {
  const fails = output
    .split("\n")
    .filter((l) => l.startsWith("fail "))
    .map((l) => {
      const [, ms = "0", rc = "", status = ""] = l.trim().split(/\s+/);
      const kind = rc === "0" ? `HTTP ${status}` : (CURL_FAILURES[rc] ?? `curl exit code ${rc}`);
      return { ms: Number(ms), kind };
    });
  if (fails.length === 0) return "";
  const kinds = new Map<string, number>();
  for (const f of fails) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const from = (Math.min(...fails.map((f) => f.ms)) / 1000).toFixed(1);
  const to = (Math.max(...fails.map((f) => f.ms)) / 1000).toFixed(1);
  return `${[...kinds].map(([kind, n]) => `${n}× ${kind}`).join(", ")}, ${from === to ? `at ${from}s` : `from ${from}s to ${to}s`} into the window`;
}

/** An API server stopped behind the load balancer. */
export const apiServerFailover: Drill = {
  id: "apiserver-failover",
  title: "the API stays up through the load balancer when an API server stops",
  notApplicable: (plan) =>
    !plan.api.loadBalancer || plan.api.servers.length < 2 ? "needs two or more API servers behind a load balancer" : undefined,
  async run(ctx) {
    const started = Date.now();
    const victim = ctx.plan.api.servers[0]!;
    const client = kubeletNodes(ctx.plan).find((n) => !n.controlPlane) ?? ctx.plan.api.loadBalancer!;
    const url = `${ctx.plan.api.endpoint}/healthz`;
    const stopped = Date.now();
    try {
      await stopComponent(ctx, victim.name, "kube-apiserver");
      let noticedMs: number | undefined;
      while (Date.now() - stopped < scaledTimeout(30_000, ctx)) {
        if ((await backendStates(ctx)).get(victim.name) !== 2) {
          noticedMs = Date.now() - stopped;
          break;
        }
        await sleep(100);
      }
      if (noticedMs === undefined) {
        return checkResult(apiServerFailover, started, { node: victim.name, status: "fail", ran: `systemctl stop kube-apiserver on ${victim.name}`, saw: "the load balancer still sees it up", reason: "HAProxy's health check did not take the stopped API server out" });
      }
      const r = await run(ctx, client.name, ["sh", "-c", requestLoop(ctx.plan, url, WINDOW_SECONDS)], { what: "send requests through the load balancer" });
      const [ok = 0, failed = 0] = (/^done (\d+) (\d+)$/m.exec(r) ?? []).slice(1).map(Number);
      const passed = failed <= MAX_FAILED_REQUESTS && ok > 0;
      const failures = describeFailures(r);
      return checkResult(apiServerFailover, started, {
        node: victim.name,
        status: passed ? "pass" : "fail",
        ran: `stop kube-apiserver on ${victim.name}; ${WINDOW_SECONDS}s of GET ${url} from ${client.name}`,
        saw: `out of the load balancer ${(noticedMs / 1000).toFixed(1)}s after the stop began (checks every ${HEALTH_CHECK.intervalMs}ms, out after ${HEALTH_CHECK.fall} failed); then ${ok} requests answered, ${failed} failed${failures ? ` (${failures})` : ""}`,
        ...(passed ? {} : { reason: `${failed} requests failed (at most ${MAX_FAILED_REQUESTS} allowed)`, hint: `lab logs ${ctx.plan.labName} ${ctx.plan.api.loadBalancer!.name} haproxy` }),
      });
    } finally {
      await startComponent(ctx, victim.name, "kube-apiserver");
      await waitFor(ctx, {
        step: "bring the API server back",
        node: ctx.plan.api.loadBalancer!.name,
        what: `${victim.name} to be back behind the load balancer`,
        argv: ["sh", "-c", `echo "show servers state" | socat stdio ${HAPROXY_SOCKET} | grep -q " ${victim.name} ${victim.ip} 2 "`],
        timeoutMs: 90_000,
        intervalMs: 250,
      });
    }
  },
};

/** An etcd member stopped; writes go on. */
export const etcdQuorum: Drill = {
  id: "etcd-quorum",
  title: "writes succeed with an etcd member down",
  notApplicable: (plan) =>
    plan.etcd.members.length < 3
      ? `needs 3 or more etcd members: with ${plan.etcd.members.length}, losing one loses the majority and writes stop`
      : undefined,
  async run(ctx) {
    const started = Date.now();
    const [victim, ...others] = ctx.plan.etcd.members as [(typeof ctx.plan.etcd.members)[0], ...typeof ctx.plan.etcd.members];
    const tls = etcdctlFlags(ctx.plan).filter(([name]) => name !== "endpoints").map(renderFlag);
    const key = `/kubelab/drills/${Date.now()}`;
    try {
      await stopComponent(ctx, victim.name, "etcd");
      // The stopped member may have been the leader: the others elect a new one (about a second),
      // during which writes wait. A client retries; so does the drill, within a deadline.
      const stopped = Date.now();
      const putArgv = ["etcdctl", `--endpoints=${others.map((o) => o.clientUrl).join(",")}`, ...tls, "--command-timeout=3s", "put", key, "written with a member down"];
      let put = await exec(ctx, others[0]!.name, putArgv);
      while (put.exitCode !== 0 && Date.now() - stopped < scaledTimeout(20_000, ctx)) {
        await sleep(500);
        put = await exec(ctx, others[0]!.name, putArgv);
      }
      const writtenAfter = ((Date.now() - stopped) / 1000).toFixed(1);
      const name = `drill-${Date.now()}`;
      const viaApi = await exec(ctx, adminNode(ctx.plan).name, ["kubectl", "--kubeconfig=/etc/kubernetes/admin.kubeconfig", "create", "configmap", name, "-n", "default", "--from-literal=drill=etcd-quorum"]);
      const ok = put.exitCode === 0 && viaApi.exitCode === 0;
      if (viaApi.exitCode === 0) await kubectl(ctx, ["delete", "configmap", name, "-n", "default"]).catch(() => undefined);
      return checkResult(etcdQuorum, started, {
        node: victim.name,
        status: ok ? "pass" : "fail",
        ran: `systemctl stop etcd on ${victim.name}; etcdctl put ${key}; kubectl create configmap ${name}`,
        saw: `${ctx.plan.etcd.members.length - 1} of ${ctx.plan.etcd.members.length} members up: etcdctl ${put.exitCode === 0 ? `OK (${writtenAfter}s after the stop)` : "failed"}, API write ${viaApi.exitCode === 0 ? "OK" : "failed"}`,
        ...(ok ? {} : { reason: lastLines(`${put.stderr}${viaApi.stderr}`, 3) }),
      });
    } finally {
      await startComponent(ctx, victim.name, "etcd");
      await waitFor(ctx, {
        step: "bring the etcd member back",
        node: victim.name,
        what: "etcd to be healthy again",
        argv: ["etcdctl", `--endpoints=${victim.clientUrl}`, ...tls, "endpoint", "health"],
        units: ["etcd"],
        timeoutMs: 60_000,
      });
    }
  },
};

/** The controller manager's leader stopped; another controller takes over. */
export const leaderFailover: Drill = {
  id: "leader-failover",
  title: "leadership moves when the controller manager's leader stops",
  notApplicable: (plan) => (plan.api.servers.length < 2 ? "needs two or more controllers" : undefined),
  async run(ctx) {
    const started = Date.now();
    const component = "kube-controller-manager";
    const before = await readLease(ctx, component);
    if (!leaseValid(ctx.plan, before)) {
      return checkResult(leaderFailover, started, { status: "fail", ran: `kubectl get lease -n kube-system ${component}`, saw: "no current leader", reason: "nothing to fail over from" });
    }
    const leader = before!.holderNode!;
    try {
      await stopComponent(ctx, leader, component);
      const stopped = Date.now();
      while (Date.now() - stopped < scaledTimeout(90_000, ctx)) {
        const now = await readLease(ctx, component);
        if (leaseValid(ctx.plan, now) && now!.holderNode !== leader) {
          return checkResult(leaderFailover, started, {
            node: now!.holderNode,
            status: "pass",
            ran: `stop ${component} on ${leader}; watch the lease kube-system/${component}`,
            saw: `leader moved from ${leader} to ${now!.holderNode} in ${((Date.now() - stopped) / 1000).toFixed(1)}s (lease ${now!.durationSeconds}s)`,
          });
        }
        await sleep(500);
      }
      return checkResult(leaderFailover, started, { node: leader, status: "fail", ran: `stop ${component} on ${leader}`, saw: "no other controller took the lease", reason: "leadership did not move", hint: `lab logs ${ctx.plan.labName} ${ctx.plan.api.servers.find((s) => s.name !== leader)!.name} ${component}` });
    } finally {
      await startComponent(ctx, leader, component);
    }
  },
};

/** Every drill, in the order they run (one at a time: each disturbs the lab). */
export const DRILLS: readonly Drill[] = [apiServerFailover, etcdQuorum, leaderFailover];

/** Runs the drills one after another, emitting each result; a drill that cannot run says why. */
export async function runDrills(ctx: LabContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const drill of DRILLS) {
    const why = drill.notApplicable(ctx.plan);
    const result = why
      ? { check: drill.id, title: drill.title, status: "not-run" as const, ran: "-", saw: "", reason: why, durationMs: 0 }
      : await drill.run(ctx);
    ctx.emit({ type: "check", result });
    results.push(result);
  }
  return results;
}
