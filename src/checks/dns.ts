/**
 * Check: cluster DNS. Every kubelet gives its pods the DNS Service's address (its running
 * configuration, read through the API server: no DNS server needed for that); from every kubelet
 * node, `dig @<DNS IP> kubernetes.default.svc.<domain>` answers the kubernetes Service IP; and a
 * pod, using the resolver kubelet gives it, resolves a Service by name. When the CoreDNS image can
 * be neither found nor pulled, the lookups do not run and say how to load the image: they are never
 * reported as passed.
 */
import { corednsImage } from "../addons/coredns.js";
import { shellLine } from "../errors.js";
import { adminNode, kubeletNodes } from "../plan/plan.js";
import type { CheckResult } from "../pipeline/events.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { exec, journal, lastLines, scaledTimeout } from "../pipeline/node-commands.js";
import type { ExecResult } from "../providers/provider.js";
import { KUBELET_CONFIG } from "../render/node-layout.js";
import { CHECK_NAMESPACE, applyRun, podProblem, podState, runSuffix, toolboxPod, waitForPod, type PodInfo } from "./check-pods.js";
import { checkResult, type Check } from "./check.js";

/** Waiting reasons that mean the image is not to be had. */
const IMAGE_REASONS = ["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull"];

/** The outcome of one dig. */
export interface DigOutcome {
  ok: boolean;
  ran: string;
  saw: string;
}

/** Asks `server` (from `node`) for the A record of `name`; ok when `expected` is among the answers. */
export async function dig(ctx: LabContext, node: string, server: string, name: string, expected: string, port = 53): Promise<DigOutcome> {
  const argv = ["dig", `@${server}`, "-p", String(port), "+short", "+time=2", "+tries=2", name, "A"];
  const r = await exec(ctx, node, argv);
  const answers = r.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  const saw = r.exitCode === 0 ? (answers.length ? answers.join(", ") : "no answer") : lastLines(`${r.stdout}${r.stderr}`, 2).trim();
  return { ok: r.exitCode === 0 && answers.includes(expected), ran: shellLine(argv), saw };
}

/** CoreDNS's pods, as the API server has them, or kubectl's error when it has no answer. */
async function corednsPods(ctx: LabContext): Promise<{ pods: PodInfo[]; error?: string }> {
  const r = await tryKubectl(ctx, ["get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns", "-o", "json"]);
  return r.exitCode === 0 ? { pods: (JSON.parse(r.stdout) as { items: PodInfo[] }).items } : { pods: [], error: lastLines(r.stderr, 2).trim() };
}

const ready = (p: PodInfo): boolean => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const imageMissing = (p: PodInfo): string | undefined =>
  p.status.containerStatuses?.map((c) => c.state?.waiting?.reason).find((r) => r && IMAGE_REASONS.includes(r));

/** clusterDNS of a kubelet's /configz answer, or undefined when it is not one. */
function clusterDns(configz: string): string[] | undefined {
  try {
    return (JSON.parse(configz) as { kubeletconfig?: { clusterDNS?: string[] } }).kubeletconfig?.clusterDNS ?? [];
  } catch {
    return undefined;
  }
}

/**
 * kubelet's answer when it could not ask the API server whether a request is allowed (Webhook
 * authorization: its SubjectAccessReview failed, as opposed to denied). Seen once, in CI, right
 * after a TLS-bootstrapped kubelet joined; it passes, so it is asked again for a while.
 */
const KUBELET_AUTHORIZATION_ERROR = /Authorization error \(user=/;

/** What each kubelet tells its pods the DNS server is (clusterDNS of its running configuration); never throws, as it runs alongside the wait for CoreDNS. */
async function kubeletResolvers(ctx: LabContext, started: number): Promise<CheckResult[]> {
  const { plan } = ctx;
  return Promise.all(
    kubeletNodes(plan).map(async (node) => {
      const argv = ["get", "--raw", `/api/v1/nodes/${node.name}/proxy/configz`];
      const deadline = Date.now() + scaledTimeout(15_000, ctx);
      const authorizationFailed = (x: ExecResult): boolean => x.exitCode !== 0 && KUBELET_AUTHORIZATION_ERROR.test(x.stderr);
      let r = await tryKubectl(ctx, argv);
      while (authorizationFailed(r) && Date.now() < deadline && !ctx.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        r = await tryKubectl(ctx, argv);
      }
      // kubelet logs why its SubjectAccessReview failed: say it with the failure.
      const why = authorizationFailed(r) ? ((await journal(ctx, node.name, "kubelet", 50)).lines.findLast((l) => l.includes("Authorization error")) ?? "") : "";
      const servers = r.exitCode === 0 ? clusterDns(r.stdout) : undefined;
      const ok = servers?.length === 1 && servers[0] === plan.network.dnsIp;
      const reason = servers ? `expected ${plan.network.dnsIp}, the kube-dns Service's address` : "could not read kubelet's running configuration through the API server";
      return checkResult(dnsCheck, started, {
        node: node.name,
        status: ok ? "pass" : "fail",
        ran: shellLine(["kubectl", ...argv]),
        saw: servers ? `kubelet gives pods the DNS server ${servers.join(", ") || "none"}` : [lastLines(r.stderr || r.stdout, 2).trim(), why && `kubelet's log: ${why}`].filter(Boolean).join("\n"),
        ...(ok ? {} : { reason, hint: servers ? `clusterDNS in ${KUBELET_CONFIG} on ${node.name}` : `kubectl get --raw /api/v1/nodes/${node.name}/proxy/configz` }),
      });
    }),
  );
}

/** Cluster DNS. */
export const dnsCheck: Check = {
  id: "dns",
  title: "cluster DNS answers",
  appliesTo: (plan) => plan.addons.includes("coredns"),
  async run(ctx) {
    const started = Date.now();
    const { plan } = ctx;
    const image = corednsImage(plan);
    const name = `kubernetes.default.svc.${plan.network.clusterDomain}`;
    const ran = `kubectl get pods -n kube-system -l k8s-app=kube-dns`;

    // Asked while CoreDNS is waited for: neither needs the other.
    const asked = kubeletResolvers(ctx, started);

    // CoreDNS: running and ready, or a reason why not.
    const deadline = Date.now() + scaledTimeout(90_000, ctx);
    let { pods, error } = await corednsPods(ctx);
    // An API server that does not answer is no reason to wait: the other checks say why.
    while (!pods.some(ready) && error === undefined && Date.now() < deadline) {
      const missing = pods.map(imageMissing).find(Boolean);
      if (missing) {
        return [
          ...(await asked),
          checkResult(dnsCheck, started, {
            status: "not-run",
            ran,
            saw: pods.map((p) => podState(p, p.metadata.name)).join("; "),
            reason: `the CoreDNS image ${image} is not in the nodes and cannot be pulled here (${missing})`,
            hint: `load it from your Docker engine or a saved tarball: lab images load ${plan.labName} ${image}   then: lab verify ${plan.labName}`,
          }),
        ];
      }
      await new Promise((r) => setTimeout(r, 500));
      ({ pods, error } = await corednsPods(ctx));
    }
    if (!pods.some(ready)) {
      const pod = pods[0];
      return [
        ...(await asked),
        checkResult(dnsCheck, started, {
          status: "fail",
          ran,
          saw: pod ? podState(pod, pod.metadata.name) : (error ?? "no CoreDNS pod"),
          reason: pod ? await podProblem(ctx, pod, pod.metadata.name, "kube-system") : error !== undefined ? "kubectl could not list CoreDNS's pods" : "the coredns Deployment has no pods",
          hint: `kubectl -n kube-system describe deployment coredns`,
        }),
      ];
    }

    // dig from every kubelet node.
    const results: CheckResult[] = [...(await asked)];
    const digs: CheckResult[] = await Promise.all(
      kubeletNodes(plan).map(async (node) => {
        const d = await dig(ctx, node.name, plan.network.dnsIp, name, plan.network.serviceIp);
        return checkResult(dnsCheck, started, {
          node: node.name,
          status: d.ok ? "pass" : "fail",
          ran: d.ran,
          saw: d.saw,
          ...(d.ok ? {} : { reason: `expected ${plan.network.serviceIp}`, hint: `lab logs ${plan.labName} ${node.name} kube-proxy` }),
        });
      }),
    );

    results.push(...digs);

    // A pod resolves a Service by name, through the resolver kubelet configured for it.
    const suffix = runSuffix();
    const podName = `dns-${suffix}`;
    // Not a check that goes first (it starts its pod after its other lookups): nobody waits for it.
    const { cleaned } = await applyRun(ctx, dnsCheck.id, suffix, [
      toolboxPod({ name: podName, check: dnsCheck.id, run: suffix, command: ["nslookup", name], nodeName: adminNode(plan).kubelet ? adminNode(plan).name : undefined }),
    ]);
    const { pod } = await waitForPod(ctx, podName, ["Succeeded", "Failed"], 60_000);
    await cleaned;
    const logs = await tryKubectl(ctx, ["logs", podName, "-n", CHECK_NAMESPACE]);
    const resolved = pod?.status.phase === "Succeeded" && logs.stdout.includes(plan.network.serviceIp);
    results.push(
      checkResult(dnsCheck, started, {
        node: pod?.spec.nodeName,
        status: resolved ? "pass" : "fail",
        ran: `kubectl run ${podName} -- nslookup ${name}`,
        saw: lastLines(logs.stdout || (pod ? podState(pod, podName) : "no pod"), 2).replace(/\n/g, " ").trim(),
        ...(resolved ? {} : { reason: pod ? await podProblem(ctx, pod, podName) : "the pod was not created" }),
      }),
    );
    return results;
  },
};
