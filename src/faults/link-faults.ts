/**
 * Drills that break what joins two nodes: a route (and, with VXLAN, the forwarding entry) to
 * another node's pod subnet, and an etcd member's peer certificate swapped for one from a CA the
 * other members do not trust. Heal runs the node's network script again, or puts the lab's peer
 * certificate back.
 */
import { certificateParts, certificateSpecs, type CertificateSpec } from "../pki/certificate-specs.js";
import { issueCertificate } from "../pki/issue-certificate.js";
import { generateKey, keyFromPem } from "../pki/keys.js";
import { ETCD_PEER_PORT, kubeletNodes, type Plan, type PlannedNode } from "../plan/plan.js";
import { VXLAN_DEVICE, vtepMac } from "../plan/vxlan.js";
import { sh, waitFor } from "../pipeline/node-commands.js";
import { waitForEtcdMember } from "../pipeline/steps/start-etcd.js";
import { certPath, keyPath } from "../render/node-layout.js";
import { last, type Fault } from "./fault.js";
import { labCopy, putNodeFile, restoreNodeFile } from "./lab-files.js";

/** The node whose pod subnet `node` loses its way to: the first other kubelet node. */
function remoteOf(plan: Plan, node: PlannedNode): PlannedNode | undefined {
  return kubeletNodes(plan).find((other) => other !== node && other.podCidr);
}

/** A node's route (and VXLAN forwarding entry) to another node's pods deleted. */
export const missingRoute: Fault = {
  id: "missing-route",
  title: "delete a node's route (and VXLAN forwarding entry) to another node's pod subnet",
  expect: "pods on the two nodes cannot reach each other (pod-ping); the diagnosis names the missing route or FDB entry",
  notApplicable: (plan, node) =>
    plan.network.overlay === "flannel"
      ? "flanneld keeps its own routes and would put them back"
      : !node.kubelet
        ? `${node.name} runs no pods`
        : remoteOf(plan, node)
          ? undefined
          : "the lab has no other node with pods",
  defaultNode: (plan) => last(kubeletNodes(plan)),
  async break(ctx, node) {
    const other = remoteOf(ctx.plan, node)!;
    const lines = [`ip route del ${other.podCidr}`];
    if (ctx.plan.network.overlay === "vxlan") lines.push(`bridge fdb del ${vtepMac(other)} dev ${VXLAN_DEVICE} dst ${other.ip}`);
    await sh(ctx, node.name, lines.join("\n"), `delete the way to ${other.name}'s pods`);
  },
  async heal(ctx, node) {
    await sh(ctx, node.name, "systemctl restart kubelab-network", "run the node's network script again");
  },
};

/** The etcd member's peer certificate and key, as files in the node. */
function peerFiles(plan: Plan, node: PlannedNode): { cert: string; key: string } {
  const name = certificateParts(plan).etcdPeer(node.name);
  return { cert: certPath(name), key: keyPath(name) };
}

/** An etcd member given a peer certificate from a CA of its own, which the other members do not trust. */
export const etcdPeerTls: Fault = {
  id: "etcd-peer-tls",
  title: "give an etcd member a peer certificate from a CA the other members do not trust",
  expect: "the members refuse each other's peer connections; with two members quorum is lost and every write fails; the diagnosis names the certificate",
  notApplicable: (plan, node) => (!node.etcd ? `${node.name} runs no etcd member` : plan.etcd.members.length > 1 ? undefined : "the lab has one etcd member: it has no peers"),
  defaultNode: (plan) => last(plan.nodes.filter((n) => n.etcd)),
  disturbsEtcd: () => true,
  async break(ctx, node) {
    const files = peerFiles(ctx.plan, node);
    const { content: keyPem } = await labCopy(ctx, node.name, files.key);
    const algorithm = keyFromPem(keyPem).algorithm;
    const [caKey, key] = await Promise.all([generateKey(algorithm), generateKey(algorithm)]);
    const caSpec: CertificateSpec = { kind: "certificate", name: "drill-ca", issuer: "self", commonName: "kubelab drill: not the etcd CA", dnsNames: [], ipAddresses: [], usage: [], isCA: true };
    const caCertPem = await issueCertificate(caSpec, caKey, undefined);
    const spec = certificateSpecs(ctx.plan).find((s) => s.name === certificateParts(ctx.plan).etcdPeer(node.name))!;
    const certPem = await issueCertificate(spec, key, { certPem: caCertPem, key: caKey });
    await putNodeFile(ctx, node.name, files.cert, certPem, 0o644);
    await putNodeFile(ctx, node.name, files.key, key.privateKeyPem, 0o600);
    await sh(ctx, node.name, "systemctl restart --no-block etcd", "restart etcd with the drill's peer certificate");
    // Another member now fails the handshake with it (neither refused nor timed out: TLS).
    const other = ctx.plan.nodes.find((n) => n.etcd && n !== node)!;
    const theirs = peerFiles(ctx.plan, other);
    const ca = certPath(certificateParts(ctx.plan).etcdCa);
    await waitFor(ctx, {
      step: "drill etcd-peer-tls",
      node: other.name,
      what: `${other.name} to fail peer TLS with ${node.name}`,
      argv: ["sh", "-c", `curl -sS --max-time 2 --cacert ${ca} --cert ${theirs.cert} --key ${theirs.key} https://${node.ip}:${ETCD_PEER_PORT}/version >/dev/null 2>&1; c=$?; [ $c -ne 0 ] && [ $c -ne 7 ] && [ $c -ne 28 ]`],
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  },
  async heal(ctx, node) {
    const files = peerFiles(ctx.plan, node);
    await Promise.all([restoreNodeFile(ctx, node.name, files.cert), restoreNodeFile(ctx, node.name, files.key)]);
    await sh(ctx, node.name, "systemctl restart --no-block etcd", "restart etcd with the lab's peer certificate");
    await waitForEtcdMember(ctx, node, "heal etcd's peer certificate");
  },
};
