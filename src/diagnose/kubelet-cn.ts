/**
 * Known cause: a kubelet whose client certificate's CN does not match its node's name. The Node
 * authorizer and NodeRestriction let system:node:NAME change node NAME only, so such a kubelet
 * cannot update its own node, its lease or its pods' status.
 */
import { kubeletNodes } from "../plan/plan.js";
import { kubeletFlags } from "../render/kubelet.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";
import { commonName, kubeconfigClientCertificate, organizations, readNodeFile } from "./node-certificates.js";

/** A kubelet authenticating as another node, or not as a node at all. */
export const kubeletCn: KnownCause = {
  id: "kubelet-cn",
  title: "a kubelet certificate whose CN does not match the node name",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  async find(ctx) {
    const found = await Promise.all(
      kubeletNodes(ctx.plan).map(async (node) => {
        const path = kubeletFlags(ctx.plan, node).find(([flag]) => flag === "kubeconfig")?.[1];
        const text = typeof path === "string" ? await readNodeFile(ctx, node.name, path) : undefined;
        if (typeof path !== "string" || text === undefined) return [];
        const { certificate, source } = await kubeconfigClientCertificate(ctx, node.name, text);
        if (!certificate) return [];
        const cn = commonName(certificate);
        const groups = organizations(certificate);
        const want = `system:node:${node.name}`;
        if (cn === want && groups.includes("system:nodes")) return [];
        return [
          diagnosisOf(kubeletCn, {
            node: node.name,
            found: `kubelet on ${node.name} authenticates as CN=${cn}${groups.length ? `, O=${groups.join(",")}` : ""} (${path}, ${source}), not as ${want} in group system:nodes: the Node authorizer and NodeRestriction refuse its updates to node ${node.name}`,
            fix: `give kubelet on ${node.name} a client certificate with CN=${want} and O=system:nodes in ${path}, then restart kubelet`,
            ran: `kubectl config view --raw --kubeconfig ${path} | openssl x509 -noout -subject`,
          }),
        ];
      }),
    );
    return found.flat();
  },
};
