import { describe, expect, it } from "vitest";
import type { LabInput } from "../../src/config/lab-schema.js";
import { labSchema } from "../../src/config/lab-schema.js";
import { parseLab } from "../../src/config/load-lab.js";
import { adminNode, assignNodeIps, defaultDnsIp, kubeletNodes, planLab, type ResolvedLab } from "../../src/plan/plan.js";
import { vmResources } from "../../src/plan/vm-resources.js";

function lab(overrides: Partial<LabInput> & { nodes: LabInput["nodes"] }): ResolvedLab {
  const parsed = labSchema.parse({ name: "t", kubernetesVersion: "v1.20.2", ...overrides });
  return { ...parsed, network: { ...parsed.network, nodeSubnet: parsed.network.nodeSubnet ?? "172.30.0.0/24" } };
}

describe("planLab", () => {
  const single = lab({
    nodes: [{ name: "core1", roles: ["etcd", "controlplane", "worker"] }],
    network: { podCidr: "10.2.0.0/16", podSubnetPrefix: 24, serviceCidr: "10.3.0.0/24", dnsIp: "10.3.0.10", clusterDomain: "cluster.local" },
  });

  it("derives every address of a single-node lab", () => {
    const plan = planLab(single);
    expect(plan.network).toEqual({
      nodeSubnet: "172.30.0.0/24",
      gateway: "172.30.0.1",
      podCidr: "10.2.0.0/16",
      podSubnetPrefix: 24,
      serviceCidr: "10.3.0.0/24",
      serviceIp: "10.3.0.1",
      dnsIp: "10.3.0.10",
      clusterDomain: "cluster.local",
      overlay: "routes",
    });
    expect(plan.nodes).toEqual([
      { name: "core1", ip: "172.30.0.10", roles: ["etcd", "controlplane", "worker"], etcd: true, controlPlane: true, kubelet: true, loadBalancer: false, podCidr: "10.2.0.0/24", vm: { cpus: 2, memoryMiB: 2048 } },
    ]);
    expect(plan.etcd.endpoints).toEqual(["https://172.30.0.10:2379"]);
    expect(plan.etcd.initialCluster).toBe("core1=https://172.30.0.10:2380");
    expect(plan.api.endpoint).toBe("https://172.30.0.10:6443");
    expect(adminNode(plan).name).toBe("core1");
  });

  it("is pure: the same lab gives the same plan", () => {
    expect(planLab(single)).toEqual(planLab(single));
  });

  it("gives pod subnets to kubelet nodes only, in file order, and respects fixed IPs", () => {
    const plan = planLab(
      lab({
        nodes: [
          { name: "etcd1", roles: ["etcd"] },
          { name: "master", roles: ["controlplane"], ip: "172.30.0.11" },
          { name: "w1", roles: ["worker"] },
          { name: "w2", roles: ["worker"] },
        ],
      }),
    );
    expect(plan.nodes.map((n) => [n.name, n.ip, n.podCidr ?? "-"])).toEqual([
      ["etcd1", "172.30.0.10", "-"],
      ["master", "172.30.0.11", "-"],
      ["w1", "172.30.0.12", "10.244.0.0/24"],
      ["w2", "172.30.0.13", "10.244.1.0/24"],
    ]);
    expect(kubeletNodes(plan).map((n) => n.name)).toEqual(["w1", "w2"]);
    expect(plan.api.address).toBe("172.30.0.11");
    expect(plan.etcd.members.map((m) => m.name)).toEqual(["etcd1"]);
  });

  it("runs kubelet on control plane nodes when the control plane is static pods", () => {
    const plan = planLab(lab({ controlPlane: "static-pods", nodes: [{ name: "m", roles: ["etcd", "controlplane"] }, { name: "w", roles: ["worker"] }] }));
    expect(plan.nodes.map((n) => n.kubelet)).toEqual([true, true]);
  });

  it("defaults DNS to the 10th service address and picks etcd and CNI versions from Kubernetes'", () => {
    expect(defaultDnsIp("10.96.0.0/24")).toBe("10.96.0.10");
    const plan = planLab(lab({ nodes: [{ name: "n", roles: ["etcd", "controlplane", "worker"] }] }));
    expect(plan.network.dnsIp).toBe("10.96.0.10");
    expect(plan.etcdVersion).toBe("v3.4.13");
    expect(plan.cniVersion).toBe("v1.1.1");
    expect(plan.checks).toContain("cluster-ip-service");
  });

  it("skips addresses that fixed nodes hold when assigning the others", () => {
    expect(assignNodeIps("10.0.0.0/24", [{ name: "a", roles: ["worker"] }, { name: "b", roles: ["worker"], ip: "10.0.0.10" }])).toEqual([
      "10.0.0.11",
      "10.0.0.10",
    ]);
  });
});

describe("VM sizes", () => {
  it("come from the roles, the largest of each when a node has several, unless the lab file sets them", () => {
    expect(vmResources({ roles: ["worker"] })).toEqual({ cpus: 1, memoryMiB: 1536 });
    expect(vmResources({ roles: ["etcd"] })).toEqual({ cpus: 1, memoryMiB: 1024 });
    expect(vmResources({ roles: ["loadbalancer"] })).toEqual({ cpus: 1, memoryMiB: 512 });
    expect(vmResources({ roles: ["etcd", "worker"] })).toEqual({ cpus: 1, memoryMiB: 1536 });
    expect(vmResources({ roles: ["etcd", "controlplane"] })).toEqual({ cpus: 2, memoryMiB: 2048 });
    expect(vmResources({ roles: ["worker"], vm: { memory: 3000 } })).toEqual({ cpus: 1, memoryMiB: 3000 });
    expect(vmResources({ roles: ["worker"], vm: { cpus: 4 } })).toEqual({ cpus: 4, memoryMiB: 1536 });
  });

  it("reach the plan from a group's vm, per node", () => {
    const { lab } = parseLab(
      ["name: sized", "kubernetesVersion: v1.20.2", "network:", "  nodeSubnet: 172.30.0.0/24", "nodes:", "  - name: c1", "    roles: [etcd, controlplane]", "    vm: {cpus: 3}", "groups:", "  - prefix: w", "    roles: [worker]", "    count: 2", "    vm: {memory: 1024}", ""].join("\n"),
      "sized.yaml",
    );
    const plan = planLab({ ...lab, network: { ...lab.network, nodeSubnet: "172.30.0.0/24" } });
    expect(plan.nodes.map((n) => [n.name, n.vm])).toEqual([
      ["c1", { cpus: 3, memoryMiB: 2048 }],
      ["w1", { cpus: 1, memoryMiB: 1024 }],
      ["w2", { cpus: 1, memoryMiB: 1024 }],
    ]);
  });
});
