/**
 * `lab break LAB DRILL [--node NODE]` and `lab heal LAB`: a fault drill put into a lab that is up,
 * on record before it is made (a break that fails halfway is still healed), and every drill in
 * effect undone, newest first, each waited for until what it stopped is back.
 */
import { shellLine, UserError } from "../errors.js";
import { kubectlArgv } from "../pipeline/kubectl.js";
import type { Fault } from "../faults/fault.js";
import { FAULTS } from "../faults/fault-list.js";
import { readFaults, writeFaults, type FaultInEffect } from "../faults/faults-record.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { restartApiServer, startComponent, startKubeProxy } from "../pipeline/components.js";
import { run, waitFor } from "../pipeline/node-commands.js";
import { allSettledOrThrow } from "../pipeline/run-pipeline.js";
import { waitForControlPlane } from "../pipeline/steps/start-control-plane.js";
import { waitForKubelet } from "../pipeline/steps/wait-for-cluster.js";
import { runAbortController } from "../pipeline/run-abort.js";
import { readyArgv } from "../pipeline/steps/pod-network.js";
import { adminNode, kubeletNodes } from "../plan/plan.js";
import { labFromState, labNode, type ExistingLab } from "./lab-from-state.js";
import { lockLab } from "./lab-lock.js";

/** What `lab break` did. */
export interface LabBreakResult {
  lab: string;
  fault: string;
  title: string;
  node: string;
  /** What `lab verify` should show while it is in effect. */
  expect: string;
}

/** What `lab heal` did. */
export interface LabHealResult {
  lab: string;
  healed: FaultInEffect[];
}

/** Exits 0 once the node is Ready and its kubelet has renewed its lease after `since` (UTC, to the second). */
function reportedSinceArgv(node: string, since: string): string[] {
  const renewed = shellLine(kubectlArgv(["get", "lease", "-n", "kube-node-lease", node, "-o", "jsonpath={.spec.renewTime}"]));
  return ["sh", "-c", `r=$(${renewed} | cut -c1-19); ${shellLine(readyArgv(node))} && expr "$r" ">" "${since}" >/dev/null`];
}

/**
 * Restarts every client of the API servers: controller managers, schedulers, kube-proxies and
 * kubelets. Each of their watches that ended or failed while the API was away (down, refusing
 * their TLS, out of reach, or without etcd) waits before it asks again: twice as long each time,
 * up to 30 s, plus up to as much again at random; it starts again from 0.8 s only once a watch has
 * lasted two minutes (client-go's reflector, Kubernetes 1.20). After a drill, or several in a row,
 * a kubelet could take a minute to see a new pod, and kube-proxy a new Service. Restarted, they
 * ask at once.
 */
async function restartApiClients(ctx: LabContext, step: string): Promise<void> {
  await allSettledOrThrow([
    ...ctx.plan.api.servers.map(async (server) => {
      await startComponent(ctx, server.name, "kube-controller-manager");
      await startComponent(ctx, server.name, "kube-scheduler");
      await waitForControlPlane(ctx, server, step);
    }),
    ...kubeletNodes(ctx.plan).map(async (node) => {
      await startKubeProxy(ctx, node.name);
      // Done with: the node Ready again by the new kubelet's own report.
      await run(ctx, node.name, ["systemctl", "restart", "kubelet"], { what: "restart kubelet" });
      await waitForKubelet(ctx, node.name, step);
    }),
  ]);
}

function faultById(id: string): Fault {
  const fault = FAULTS.find((f) => f.id === id);
  if (!fault) throw new UserError(`failed to break the lab: there is no drill ${id}`, { hint: `the drills: ${FAULTS.map((f) => f.id).join(", ")}`, exitCode: 2 });
  return fault;
}

function contextOf(existing: ExistingLab): LabContext {
  return { plan: existing.plan, provider: existing.provider, paths: existing.paths, emit: () => undefined, signal: runAbortController().signal };
}

/** Breaks lab `name` with drill `faultId` on `nodeName` (or the drill's own pick). */
export async function labBreak(name: string, faultId: string, nodeName?: string, env: NodeJS.ProcessEnv = process.env): Promise<LabBreakResult> {
  const fault = faultById(faultId);
  const existing = await labFromState(name, env);
  const { plan, paths } = existing;
  const node = nodeName === undefined ? fault.defaultNode(plan) : labNode(existing, nodeName, `break ${name}`);
  const why = node ? fault.notApplicable(plan, node) : `lab ${name} has no node it applies to`;
  if (!node || why) throw new UserError(`failed to ${fault.title} in lab ${name}: ${why}`, { hint: `the drills: ${FAULTS.map((f) => f.id).join(", ")}`, exitCode: 2 });
  await existing.provider.preflight();
  const [resources] = await existing.provider.list(name);
  const running = new Set((resources?.nodes ?? []).filter((n) => n.state === "running").map((n) => n.name));
  const stopped = plan.nodes.filter((n) => !running.has(n.name)).map((n) => n.name);
  if (stopped.length) {
    throw new UserError(`failed to break lab ${name}: ${stopped.join(", ")} ${stopped.length === 1 ? "is" : "are"} not running`, { hint: `a drill breaks a lab that runs: lab start ${name}`, exitCode: 2 });
  }
  const lock = await lockLab(paths, "break");
  try {
    const faults = await readFaults(paths);
    if (faults.some((f) => f.fault === fault.id && f.node === node.name)) {
      throw new UserError(`failed to break lab ${name}: ${fault.id} is already in effect on ${node.name}`, { hint: `undo it with: lab heal ${name}`, exitCode: 2 });
    }
    await writeFaults(paths, [...faults, { fault: fault.id, node: node.name, since: new Date().toISOString() }]);
    await fault.break(contextOf(existing), node);
  } finally {
    await lock.release();
  }
  return { lab: name, fault: fault.id, title: fault.title, node: node.name, expect: fault.expect };
}

/** Undoes every drill in effect on lab `name`, newest first. */
export async function labHeal(name: string, env: NodeJS.ProcessEnv = process.env): Promise<LabHealResult> {
  const existing = await labFromState(name, env);
  const { paths } = existing;
  const lock = await lockLab(paths, "heal");
  try {
    const faults = await readFaults(paths);
    if (faults.length) await existing.provider.preflight();
    const ctx = contextOf(existing);
    const healed: FaultInEffect[] = [];
    for (const effect of [...faults].reverse()) {
      const node = labNode(existing, effect.node, `heal ${name}`);
      await faultById(effect.fault).heal(ctx, node);
      healed.push(effect);
      // What is healed comes off the record at once: a heal that fails later leaves only the rest.
      await writeFaults(paths, faults.filter((f) => !healed.includes(f)));
    }
    // An API server that lost etcd for long exits, and kubelet or systemd backs off before it
    // starts it again (kubelet for up to five minutes); with several members, Kubernetes 1.20's API
    // server does not recover its watch caches from a lost quorum either, and the controller
    // manager and kube-proxy would miss every change from then on. Restarted, they do.
    const plan = existing.plan;
    const disturbed = healed.map((f) => ({ fault: faultById(f.fault), node: labNode(existing, f.node, `heal ${name}`) }));
    const etcdDisturbed = disturbed.some((d) => d.fault.disturbsEtcd?.(d.node));
    if (etcdDisturbed) {
      for (const server of plan.api.servers) {
        await restartApiServer(ctx, server.name);
        await waitForControlPlane(ctx, server, `heal lab ${name}`);
      }
    }
    // Every kubelet is then Ready by a status it posted since its restart.
    if (etcdDisturbed || disturbed.some((d) => d.fault.cutsOffApi)) await restartApiClients(ctx, `heal lab ${name}`);
    // Otherwise a kubelet reports again by renewing its lease; until it has, its node may still turn
    // NotReady (its last report grew old while the API refused its updates).
    else if (healed.length) {
      const admin = adminNode(existing.plan).name;
      const since = new Date().toISOString().slice(0, 19);
      for (const node of kubeletNodes(existing.plan)) {
        await waitFor(ctx, {
          step: `heal lab ${name}`,
          node: admin,
          what: `node ${node.name}'s kubelet to report again`,
          argv: reportedSinceArgv(node.name, since),
          units: ["kubelet"],
          unitsNode: node.name,
          timeoutMs: 120_000,
          intervalMs: 500,
        });
      }
    }
    return { lab: name, healed };
  } finally {
    await lock.release();
  }
}
