/**
 * The fault drills: an etcd member stopped, a controller stopped (its API server, controller
 * manager and scheduler), a node cut off the lab network, kube-proxy stopped on a node, and the API
 * server's certificate replaced by one that has expired. Each undoes itself exactly.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import forge from "node-forge";
import { certificateParts, certificateSpecs } from "../pki/certificate-specs.js";
import { issueCertificate } from "../pki/issue-certificate.js";
import { rsaKeyFromPem } from "../pki/keys.js";
import { kubeletNodes, type Plan, type PlannedNode } from "../plan/plan.js";
import { startComponent, stopComponent } from "../pipeline/components.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { run, sh, waitFor } from "../pipeline/node-commands.js";
import { waitForControlPlane } from "../pipeline/steps/start-control-plane.js";
import { waitForEtcdMember } from "../pipeline/steps/start-etcd.js";
import { certPath, MANIFESTS_DIR, MANIFESTS_STAGING_DIR } from "../render/node-layout.js";
import type { Fault } from "./fault.js";

const CONTROL_PLANE = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

/** Marks the iptables rules of the node-network drill, so that heal removes exactly those. */
const DRILL_COMMENT = "kubelab-drill";

function last<T>(items: readonly T[]): T | undefined {
  return items[items.length - 1];
}

/** etcd stopped on a member. */
export const etcdMember: Fault = {
  id: "etcd-member",
  title: "stop an etcd member",
  expect: "etcd-health fails on that member; with one member (or quorum lost) every check that needs the API fails too",
  notApplicable: (_plan, node) => (node.etcd ? undefined : `${node.name} runs no etcd member`),
  defaultNode: (plan) => last(plan.nodes.filter((n) => n.etcd)),
  async break(ctx, node) {
    await stopComponent(ctx, node.name, "etcd");
  },
  async heal(ctx, node) {
    await startComponent(ctx, node.name, "etcd");
    await waitForEtcdMember(ctx, node, "heal etcd");
  },
};

/** A controller's API server, controller manager and scheduler stopped. */
export const controller: Fault = {
  id: "controller",
  title: "stop a controller (its API server, controller manager and scheduler)",
  expect: "with one controller every check that needs the API fails; with several, the others (and the load balancer) carry on",
  notApplicable: (_plan, node) => (node.controlPlane ? undefined : `${node.name} is not a controller`),
  defaultNode: (plan) => last(plan.api.servers),
  async break(ctx, node) {
    for (const component of CONTROL_PLANE) await stopComponent(ctx, node.name, component);
  },
  async heal(ctx, node) {
    for (const component of CONTROL_PLANE) await startComponent(ctx, node.name, component);
    await waitForControlPlane(ctx, node, "heal the controller");
  },
};

/** kube-proxy stopped on a node (its rules stay, but nothing follows changes to Services any more). */
export const kubeProxy: Fault = {
  id: "kube-proxy",
  title: "stop kube-proxy on a node",
  expect: "a Service created from now on does not answer from that node (cluster-ip-service, service-from-pod)",
  notApplicable: (_plan, node) => (node.kubelet ? undefined : `${node.name} runs no kube-proxy`),
  defaultNode: (plan) => last(kubeletNodes(plan)),
  async break(ctx, node) {
    await stopComponent(ctx, node.name, "kube-proxy");
    // kube-proxy removes nothing when killed: a Service made from now on gets no rules on this node.
  },
  async heal(ctx, node) {
    await startComponent(ctx, node.name, "kube-proxy");
    await waitFor(ctx, {
      step: "heal kube-proxy",
      node: node.name,
      what: "kube-proxy to be healthy",
      argv: ["curl", "-fsS", "--max-time", "2", "http://127.0.0.1:10256/healthz"],
      units: ctx.plan.controlPlaneMode === "static-pods" ? ["kubelet"] : ["kube-proxy"],
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  },
};

/** The node's interface on the lab network, found by its address. */
function labInterface(node: PlannedNode): string {
  return `$(ip -o -4 addr show | awk '$4 ~ /^${node.ip.replace(/\./g, "\\.")}\\// {print $2; exit}')`;
}

/** Every packet in and out of the node's lab interface dropped (in the node's own iptables). */
export const nodeNetwork: Fault = {
  id: "node-network",
  title: "cut a node off the lab network",
  expect: "node-ping and the checks across nodes fail for that node; after kubelet's grace period the node turns NotReady",
  notApplicable: (plan) => (plan.nodes.length > 1 ? undefined : "the lab has one node: there is no other node to cut it off from"),
  defaultNode: (plan) => last(kubeletNodes(plan)) ?? last(plan.nodes),
  async break(ctx, node) {
    await sh(
      ctx,
      node.name,
      [`i=${labInterface(node)}`, '[ -n "$i" ]', ...["INPUT -i", "OUTPUT -o"].map((rule) => `iptables -w -I ${rule} "$i" -m comment --comment ${DRILL_COMMENT} -j DROP`)].join("\n"),
      "cut the node off the lab network",
    );
  },
  async heal(ctx, node) {
    await sh(
      ctx,
      node.name,
      [`i=${labInterface(node)}`, ...["INPUT -i", "OUTPUT -o"].map((rule) => `while iptables -w -D ${rule} "$i" -m comment --comment ${DRILL_COMMENT} -j DROP 2>/dev/null; do :; done`)].join("\n"),
      "connect the node to the lab network again",
    );
  },
};

/** The API server's serving certificate, as the lab's PKI has it (name and node path). */
function apiServerCert(plan: Plan): string {
  return certificateParts(plan).apiServer;
}

/** The API server's certificate re-issued (same key, subject and SANs) to have expired yesterday. */
async function expiredApiServerCert(ctx: LabContext): Promise<string> {
  const name = apiServerCert(ctx.plan);
  const specs = certificateSpecs(ctx.plan);
  const spec = specs.find((s) => s.name === name)!;
  const [keyPem, caCertPem, caKeyPem] = await Promise.all([
    readFile(ctx.paths.key(name), "utf8"),
    readFile(ctx.paths.cert(spec.issuer), "utf8"),
    readFile(ctx.paths.key(spec.issuer), "utf8"),
  ]);
  const ca = { certificate: forge.pki.certificateFromPem(caCertPem), key: rsaKeyFromPem(caKeyPem) };
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  return issueCertificate(spec, rsaKeyFromPem(keyPem), ca, { now: twoDaysAgo, leafValidityDays: 1 }).certPem;
}

/**
 * Puts `certPem` in place of the API server's certificate on `node` and has the API server start
 * again with it (it would only read the file again within a minute by itself). As a unit, it is
 * restarted; as a static pod, its manifest is given an annotation naming the certificate: a new
 * pod to kubelet, started at once (a container killed twice would wait out kubelet's back-off).
 */
async function replaceApiServerCert(ctx: LabContext, node: PlannedNode, certPem: string, annotate: boolean): Promise<void> {
  await ctx.provider.copyFiles(ctx.plan.labName, node.name, [{ path: certPath(apiServerCert(ctx.plan)), content: certPem, mode: 0o644 }]);
  if (ctx.plan.controlPlaneMode !== "static-pods") {
    await run(ctx, node.name, ["systemctl", "restart", "kube-apiserver"], { what: "restart the API server" });
    return;
  }
  if (!annotate) {
    await startComponent(ctx, node.name, "kube-apiserver");
    return;
  }
  const staged = parse(await readFile(join(ctx.paths.nodeDir(node.name), MANIFESTS_STAGING_DIR, "kube-apiserver.yaml"), "utf8")) as { metadata: { annotations?: Record<string, string> } };
  staged.metadata.annotations = { ...staged.metadata.annotations, "kubelab.io/drill": "expired-cert" };
  const file = `${MANIFESTS_DIR}/kube-apiserver.yaml`;
  await run(ctx, node.name, ["sh", "-c", `cat > ${MANIFESTS_DIR}/.kube-apiserver.yaml && mv ${MANIFESTS_DIR}/.kube-apiserver.yaml ${file}`], {
    stdin: stringify(staged),
    what: "start the API server again with the expired certificate",
  });
}

/** The API server's certificate replaced by one that expired yesterday. */
export const expiredCert: Fault = {
  id: "expired-cert",
  title: "replace the API server's certificate with an expired one",
  expect: "every client of that API server refuses it: x509: certificate has expired or is not yet valid",
  notApplicable: (_plan, node) => (node.controlPlane ? undefined : `${node.name} runs no API server`),
  defaultNode: (plan) => plan.api.servers[0],
  async break(ctx, node) {
    await replaceApiServerCert(ctx, node, await expiredApiServerCert(ctx), true);
    await waitFor(ctx, {
      step: "serve an expired certificate",
      node: node.name,
      what: "the API server to serve the expired certificate",
      argv: ["sh", "-c", `curl -sS --max-time 2 --cacert ${certPath("ca")} https://127.0.0.1:${ctx.plan.api.port}/healthz 2>&1 | grep -q expired`],
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  },
  async heal(ctx, node) {
    await replaceApiServerCert(ctx, node, await readFile(ctx.paths.cert(apiServerCert(ctx.plan)), "utf8"), false);
    await waitForControlPlane(ctx, node, "heal the API server's certificate");
  },
};

/** Every fault drill, by id. */
export const FAULTS: readonly Fault[] = [etcdMember, controller, nodeNetwork, kubeProxy, expiredCert];
