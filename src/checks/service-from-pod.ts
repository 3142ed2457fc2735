/**
 * Check: a ClusterIP Service in front of a pod on one node answers a pod on another node.
 */
import { lastLines } from "../pipeline/node-commands.js";
import { kubectl } from "../pipeline/kubectl.js";
import { CHECK_LABEL, CHECK_NAMESPACE, RUN_LABEL } from "./check-pods.js";
import { checkResult, type PodCheck } from "./check.js";
import { crossNodePair, execInPod, idlePodObjects, idlePods } from "./cross-node-pods.js";

const PORT = 8080;

/** A Service reached from a pod on another node. */
export const serviceFromPod: PodCheck = {
  id: "service-from-pod",
  title: "a ClusterIP Service answers a pod on another node",
  appliesTo: (plan) => crossNodePair(plan) !== undefined,
  pods: (plan, run) => [
    ...idlePodObjects(serviceFromPod.id, crossNodePair(plan)!, run),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `svc-${run}`, namespace: CHECK_NAMESPACE, labels: { [CHECK_LABEL]: serviceFromPod.id, [RUN_LABEL]: run } },
      spec: { type: "ClusterIP", selector: { [RUN_LABEL]: run, "kubelab.io/role": "server" }, ports: [{ port: 80, targetPort: PORT }] },
    },
  ],
  async run(ctx, podsApplied) {
    const started = Date.now();
    const [server, client] = crossNodePair(ctx.plan)!;
    const placed = await idlePods(ctx, serviceFromPod, podsApplied, [server, client]);
    if ("failed" in placed) return placed.failed;
    const [serverPod, clientPod] = placed.pods as [(typeof placed.pods)[0], (typeof placed.pods)[0]];
    const token = `kubelab service from ${server.name} ${placed.suffix}`;
    // The idle server pod starts serving, and joins the Service by its label.
    await execInPod(ctx, serverPod.name, ["sh", "-c", `mkdir -p /www && echo '${token}' > /www/index.html && httpd -p ${PORT} -h /www`]);
    await kubectl(ctx, ["label", "pod", "-n", CHECK_NAMESPACE, serverPod.name, "kubelab.io/role=server"]);
    const ip = (await kubectl(ctx, ["get", "service", "-n", CHECK_NAMESPACE, `svc-${placed.suffix}`, "-o", "jsonpath={.spec.clusterIP}"])).trim();
    const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${ip} 80`;
    const deadline = Date.now() + 30_000;
    let r = await execInPod(ctx, clientPod.name, ["sh", "-c", request]);
    while (!r.stdout.includes(token) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 300));
      r = await execInPod(ctx, clientPod.name, ["sh", "-c", request]);
    }
    const ok = r.stdout.includes(token);
    return [
      checkResult(serviceFromPod, started, {
        node: client.name,
        status: ok ? "pass" : "fail",
        ran: `kubectl exec ${clientPod.name} -- sh -c "${request}"`,
        saw: ok ? `${token} (pod on ${client.name} -> ${ip}:80 -> pod on ${server.name})` : lastLines(`${r.stdout}${r.stderr}`, 3),
        ...(ok ? {} : { reason: `expected "${token}" from ${ip}:80 -> ${serverPod.ip}:${PORT}`, hint: `lab logs ${ctx.plan.labName} ${client.name} kube-proxy` }),
      }),
    ];
  },
};
