/**
 * Check: a ClusterIP Service in front of a pod answers from every kubelet node (kube-proxy's
 * iptables rules, the pod network and the Service's endpoints all have to work).
 */
import { shellLine } from "../errors.js";
import { kubeletNodes } from "../plan/plan.js";
import { lastLines, pollUntil, scaledTimeout } from "../pipeline/node-commands.js";
import { CHECK_LABEL, CHECK_NAMESPACE, RUN_LABEL, podProblem, startPodRun, toolboxPod, waitForPod } from "./check-pods.js";
import { checkResult, type PodCheck } from "./check.js";

const PORT = 8080;

/** The name of a run's server pod and of its Service. */
const webName = (run: string): string => `web-${run}`;
/** The page a run's server pod serves. */
const webToken = (run: string): string => `kubelab service ${run}`;

/** A ClusterIP Service reached from the nodes. */
export const clusterIpService: PodCheck = {
  id: "cluster-ip-service",
  title: "a ClusterIP Service answers",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  // Names are unique per run: what earlier runs left goes away while this one's pod starts.
  pods: (_plan, run) => [
    toolboxPod({
      name: webName(run),
      check: clusterIpService.id,
      run,
      labels: { app: webName(run) },
      command: ["sh", "-c", `mkdir -p /www && echo '${webToken(run)}' > /www/index.html && exec httpd -f -p ${PORT} -h /www`],
    }),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: webName(run), namespace: CHECK_NAMESPACE, labels: { [CHECK_LABEL]: clusterIpService.id, [RUN_LABEL]: run } },
      spec: { type: "ClusterIP", selector: { app: webName(run) }, ports: [{ port: 80, targetPort: PORT }] },
    },
  ],
  async run(ctx, podsApplied) {
    const started = Date.now();
    const nodes = kubeletNodes(ctx.plan);
    const { suffix, applied, cleaned } = await startPodRun(ctx, clusterIpService, podsApplied);
    const name = webName(suffix);
    const token = webToken(suffix);
    const ip = applied.find((o) => o.kind === "Service")?.spec?.clusterIP ?? "";
    const { pod, ok } = await waitForPod(ctx, name, ["Running"], 60_000);
    await cleaned;
    if (!ok) {
      const reason = await podProblem(ctx, pod, name);
      return nodes.map((node) =>
        checkResult(clusterIpService, started, { node: node.name, status: "fail", ran: `kubectl get pod -n ${CHECK_NAMESPACE} ${name}`, saw: "server pod not running", reason }),
      );
    }
    return Promise.all(
      nodes.map(async (node) => {
        const argv = ["curl", "-fsS", "--max-time", String(scaledTimeout(2_000, ctx) / 1000), `http://${ip}/`];
        // kube-proxy programs the Service a moment after the endpoint appears: retry briefly.
        const answers = ["sh", "-c", 'out=$("$@") && printf "%s\\n" "$out" && [ "$out" = "$0" ]', token, ...argv];
        const r = await pollUntil(ctx, node.name, answers, Date.now() + scaledTimeout(30_000, ctx), 100);
        const saw = lastLines(r.stdout, 2).trim();
        const passed = r.exitCode === 0;
        return checkResult(clusterIpService, started, {
          node: node.name,
          status: passed ? "pass" : "fail",
          ran: shellLine(argv),
          saw,
          ...(passed ? {} : { reason: `expected "${token}" from ${ip}:80 -> pod ${pod?.status.podIP}:${PORT}`, hint: `lab logs ${ctx.plan.labName} ${node.name} kube-proxy` }),
        });
      }),
    );
  },
};
