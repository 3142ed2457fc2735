/**
 * Check: a ClusterIP Service in front of a pod answers from every kubelet node (kube-proxy's
 * iptables rules, the pod network and the Service's endpoints all have to work).
 */
import { shellLine } from "../errors.js";
import { kubeletNodes } from "../plan/plan.js";
import { lastLines, pollUntil, scaledTimeout } from "../pipeline/node-commands.js";
import { CHECK_LABEL, CHECK_NAMESPACE, RUN_LABEL, podProblem, runSuffix, startPods, toolboxPod, waitForPod } from "./check-pods.js";
import { checkResult, type Check } from "./check.js";

const PORT = 8080;

/** A ClusterIP Service reached from the nodes. */
export const clusterIpService: Check = {
  id: "cluster-ip-service",
  title: "a ClusterIP Service answers",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  startsPods: true,
  async run(ctx, podsApplied) {
    const started = Date.now();
    const nodes = kubeletNodes(ctx.plan);
    // Names are unique per run: what earlier runs left goes away while this one's pod starts.
    const suffix = runSuffix();
    const name = `web-${suffix}`;
    const token = `kubelab service ${suffix}`;
    const server = toolboxPod({
      name,
      check: clusterIpService.id,
      run: suffix,
      labels: { app: name },
      command: ["sh", "-c", `mkdir -p /www && echo '${token}' > /www/index.html && exec httpd -f -p ${PORT} -h /www`],
    });
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: CHECK_NAMESPACE, labels: { [CHECK_LABEL]: clusterIpService.id, [RUN_LABEL]: suffix } },
      spec: { type: "ClusterIP", selector: { app: name }, ports: [{ port: 80, targetPort: PORT }] },
    };
    const { applied, cleaned } = await startPods(ctx, clusterIpService.id, suffix, [server, service], podsApplied);
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
