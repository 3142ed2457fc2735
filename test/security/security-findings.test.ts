import { describe, expect, it } from "vitest";
import { planLab, type ResolvedLab } from "../../src/plan/plan.js";
import { parseNodeFacts, type NodeFacts } from "../../src/security/node-facts.js";
import { securityFindings } from "../../src/security/security-findings.js";
import { loadLabFile } from "../../src/config/load-lab.js";
import { packagePath } from "../../src/package-root.js";

const { lab } = await loadLabFile(packagePath("labs", "fedora-multi.yaml"));
const plan = planLab({ ...lab, network: { ...lab.network, nodeSubnet: "172.30.0.0/24" } } as ResolvedLab);
const master = plan.nodes.find((n) => n.controlPlane)!;
const worker = plan.nodes.find((n) => !n.controlPlane && n.kubelet)!;

/** What a node prints when it is locked down as kubelab makes it. */
const sound = (over: Partial<NodeFacts> = {}): NodeFacts => ({
  modes: { "/etc/kubernetes/pki/ca.key": "600", "/etc/kubernetes/admin.kubeconfig": "600" },
  etcdDataDirMode: "700",
  apiServerFlags: {
    "authorization-mode": "Node,RBAC",
    "enable-admission-plugins": "NodeRestriction",
    "client-ca-file": "/etc/kubernetes/pki/ca.crt",
    "etcd-servers": "https://172.30.0.10:2379",
    "etcd-cafile": "a",
    "etcd-certfile": "b",
    "etcd-keyfile": "c",
  },
  kubeletFlags: { config: "/etc/kubernetes/kubelet-config.yaml" },
  kubeletConfig: { authentication: { anonymous: { enabled: false } }, authorization: { mode: "Webhook" } },
  ...over,
});

const failures = (facts: NodeFacts, node = master) =>
  securityFindings(plan, node, facts)
    .filter((f) => f.status === "fail")
    .map((f) => [f.check, f.saw, f.hint]);

describe("securityFindings", () => {
  it("passes nodes set up as kubelab sets them up, each audited for its roles", () => {
    // fed-master runs etcd and the control plane; the workers run kubelet and hold no CA key.
    expect(securityFindings(plan, master, sound()).map((f) => [f.check, f.status])).toEqual([
      ["security-file-modes", "pass"],
      ["security-etcd-data-dir", "pass"],
      ["security-ca-keys", "pass"],
      ["security-apiserver-flags", "pass"],
    ]);
    expect(securityFindings(plan, worker, sound({ modes: {} })).map((f) => [f.check, f.status])).toEqual([
      ["security-file-modes", "pass"],
      ["security-ca-keys", "pass"],
      ["security-kubelet-auth", "pass"],
    ]);
  });

  it("names a CA key on a node that signs nothing, and any CA key but the cluster's", () => {
    expect(failures(sound({ modes: { "/etc/kubernetes/pki/ca.key": "600" } }), worker)).toEqual([
      ["security-ca-keys", "/etc/kubernetes/pki/ca.key is on fed-node1", "remove /etc/kubernetes/pki/ca.key from fed-node1 (only the controller manager signs with the cluster CA's key, and it runs on control plane nodes)"],
    ]);
    expect(failures(sound({ modes: { "/etc/kubernetes/pki/etcd-ca.key": "600" } }))[0]![1]).toBe("/etc/kubernetes/pki/etcd-ca.key is on fed-master");
  });

  it("names each API server flag that opens the cluster, with its fix", () => {
    const f = sound().apiServerFlags!;
    const open = { ...f, "authorization-mode": "AlwaysAllow", "enable-admission-plugins": "", "etcd-servers": "http://172.30.0.10:2379", "etcd-keyfile": "" };
    delete (open as Record<string, string>)["client-ca-file"];
    expect(failures(sound({ apiServerFlags: open }))).toEqual([
      [
        "security-apiserver-flags",
        "--authorization-mode=AlwaysAllow; --enable-admission-plugins= lacks NodeRestriction; --client-ca-file is not set (no client certificates); --etcd-servers has plain HTTP http://172.30.0.10:2379; --etcd-keyfile is not set",
        "set --authorization-mode=Node,RBAC; add NodeRestriction to --enable-admission-plugins; set --client-ca-file=/etc/kubernetes/pki/ca.crt; reach etcd over https:// only; set --etcd-keyfile (etcd over TLS with a client certificate)",
      ],
    ]);
  });

  it("names a kubelet that lets anonymous requests in or authorizes everything, by flag or by its file", () => {
    expect(failures(sound({ modes: {}, kubeletFlags: { "anonymous-auth": "true", "authorization-mode": "AlwaysAllow" } }), worker)).toEqual([
      [
        "security-kubelet-auth",
        "kubelet anonymous auth is on (--anonymous-auth); kubelet authorization mode is AlwaysAllow",
        "set authentication.anonymous.enabled: false in /etc/kubernetes/kubelet-config.yaml; set authorization.mode: Webhook in /etc/kubernetes/kubelet-config.yaml",
      ],
    ]);
    expect(failures(sound({ modes: {}, kubeletConfig: {} }), worker).map((x) => x[0])).toEqual(["security-kubelet-auth"]);
  });

  it("reads a node's facts as the audit script prints them", () => {
    const facts = parseNodeFacts(
      [
        "== modes",
        "600 /etc/kubernetes/pki/ca.key",
        "644 /etc/kubernetes/admin.kubeconfig",
        "== etcd",
        "700",
        "== apiserver",
        "kube-apiserver",
        "--authorization-mode=Node,RBAC",
        "--allow-privileged",
        "== kubelet",
        "== kubelet-config",
        "authentication:",
        "  anonymous:",
        "    enabled: false",
      ].join("\n"),
    );
    expect(facts).toEqual({
      modes: { "/etc/kubernetes/pki/ca.key": "600", "/etc/kubernetes/admin.kubeconfig": "644" },
      etcdDataDirMode: "700",
      apiServerFlags: { "authorization-mode": "Node,RBAC", "allow-privileged": "true" },
      kubeletFlags: undefined,
      kubeletConfig: { authentication: { anonymous: { enabled: false } } },
    });
  });
});
