/**
 * Known cause: an API server certificate missing a SAN that a client uses. Clients check that the
 * address they dialled is in the certificate, so one missing address fails every client that uses
 * it (x509: certificate is valid for ..., not ...).
 */
import { certificateParts } from "../pki/certificate-specs.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import { certPath } from "../render/node-layout.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";
import { certificatesIn, ipSans, readNodeFile } from "./node-certificates.js";

/** The addresses clients dial to reach the API server on `node`, and who dials each. */
export function apiServerClientAddresses(plan: Plan, node: PlannedNode): { address: string; who: string }[] {
  return [
    { address: plan.api.address, who: plan.api.loadBalancer ? "every kubeconfig, through the load balancer," : "every kubeconfig (kubectl, kubelet, kube-proxy)" },
    ...(plan.api.loadBalancer ? [{ address: node.ip, who: "the load balancer" }] : []),
    { address: "127.0.0.1", who: "the controller manager and scheduler on the node" },
    { address: plan.network.serviceIp, who: "every pod (the kubernetes Service)" },
  ];
}

/** The API server's certificate lacks an address its clients dial. */
export const apiServerSan: KnownCause = {
  id: "apiserver-san",
  title: "an API server certificate missing a SAN that a client uses",
  appliesTo: (plan) => plan.api.servers.length > 0,
  async find(ctx) {
    const name = certificateParts(ctx.plan).apiServer;
    const file = certPath(name);
    const found = await Promise.all(
      ctx.plan.api.servers.map(async (node) => {
        const certificate = certificatesIn((await readNodeFile(ctx, node.name, file)) ?? "")[0];
        if (!certificate) return [];
        const sans = ipSans(certificate);
        return apiServerClientAddresses(ctx.plan, node)
          .filter(({ address }) => !sans.includes(address))
          .map(({ address, who }) =>
            diagnosisOf(apiServerSan, {
              node: node.name,
              found: `${file} has no SAN for ${address}, which ${who} uses (https://${address}:${ctx.plan.api.port}); its IP SANs: ${sans.join(", ") || "none"}`,
              fix: `reissue ${file} with IP:${address} in its subjectAltName (the lab's own certificate has it: ${ctx.paths.cert(name)}), then restart kube-apiserver`,
              ran: `openssl x509 -noout -ext subjectAltName -in ${file}`,
            }),
          );
      }),
    );
    return found.flat();
  },
};
