/**
 * Known cause: a DNS Service IP outside the service range. kubelet writes clusterDNS into every
 * pod's resolv.conf; an address outside --service-cluster-ip-range is no Service at all, so no
 * kube-proxy rule answers it and every lookup in every pod times out.
 */
import { parse } from "yaml";
import { contains } from "../plan/ipv4.js";
import { kubeletNodes } from "../plan/plan.js";
import { KUBELET_CONFIG } from "../render/node-layout.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";
import { readNodeFile } from "./node-certificates.js";

/** kubelet's clusterDNS outside the service range, or not the DNS Service's address. */
export const dnsServiceIp: KnownCause = {
  id: "dns-service-ip",
  title: "a DNS Service IP outside the service range",
  appliesTo: (plan) => kubeletNodes(plan).length > 0,
  async find(ctx) {
    const { serviceCidr, dnsIp } = ctx.plan.network;
    const found = await Promise.all(
      kubeletNodes(ctx.plan).map(async (node) => {
        const text = await readNodeFile(ctx, node.name, KUBELET_CONFIG);
        if (text === undefined) return [];
        const clusterDns = (parse(text) as { clusterDNS?: string[] } | null)?.clusterDNS ?? [];
        return clusterDns
          .filter((ip) => ip !== dnsIp)
          .map((ip) =>
            diagnosisOf(dnsServiceIp, {
              node: node.name,
              found: contains(serviceCidr, ip)
                ? `kubelet on ${node.name} gives pods the DNS server ${ip} (clusterDNS in ${KUBELET_CONFIG}), but the DNS Service is at ${dnsIp}`
                : `kubelet on ${node.name} gives pods the DNS server ${ip} (clusterDNS in ${KUBELET_CONFIG}), outside the service range ${serviceCidr} (kube-apiserver --service-cluster-ip-range): no Service can answer there`,
              fix: `set clusterDNS: [${dnsIp}] in ${KUBELET_CONFIG} on ${node.name} and restart kubelet; pods made before keep the old address until they are made again`,
              ran: `grep -A1 clusterDNS ${KUBELET_CONFIG}`,
            }),
          );
      }),
    );
    return found.flat();
  },
};
