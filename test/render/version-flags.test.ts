/**
 * Flags that depend on the Kubernetes version, asserted by name and value for v1.20.2 and v1.31.0,
 * both in the flag lists and in what actually reaches the node: the rendered units of the systemd
 * variant of coreos-single, the static pod manifests of the lab file as it is.
 */
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/plan/plan.js";
import type { Flag } from "../../src/render/flags.js";
import { apiServerFlags, apiServerUnit } from "../../src/render/kube-apiserver.js";
import { controllerManagerFlags } from "../../src/render/kube-controller-manager.js";
import { schedulerFlags } from "../../src/render/kube-scheduler.js";
import { kubeletConfig, kubeletFlags } from "../../src/render/kubelet.js";
import { coreosSinglePlan, coreosSystemdPlan, deployedArgs, fakeNodeFiles, threeNodePlan, type ControlPlaneMode } from "./lab-fixtures.js";

const RUNTIME_ENDPOINT = "unix:///run/containerd/containerd.sock";

/** A flag list as name → value (a name twice is an error). */
function byName(flags: readonly Flag[]): Map<string, string | true> {
  const map = new Map<string, string | true>();
  for (const [name, value] of flags) {
    if (map.has(name)) throw new Error(`flag --${name} is given twice`);
    map.set(name, value);
  }
  return map;
}

/** coreos-single in each control plane mode (the lab file has static pods). */
const MODES: ReadonlyArray<[mode: ControlPlaneMode, plan: (version?: string) => Plan]> = [
  ["static-pods", coreosSinglePlan],
  ["systemd", coreosSystemdPlan],
];

function firstNode(plan: Plan) {
  const node = plan.nodes[0];
  if (!node) throw new Error("the plan has no nodes");
  return node;
}

describe.each(MODES)("v1.20.2 (coreos-single, %s control plane)", (mode, planAt) => {
  const plan = planAt();
  const node = firstNode(plan);
  const files = fakeNodeFiles(plan, node);
  /** What a component runs with on the node (its unit's or its static pod's command line). */
  const deployed = (component: string): string[] => deployedArgs(files, component);

  it("has the control plane mode asked for", () => {
    expect(plan.controlPlaneMode).toBe(mode);
  });

  it("is the version the lab file names", () => {
    expect(plan.kubernetes).toMatchObject({ raw: "v1.20.2", major: 1, minor: 20, patch: 2 });
  });

  it("kubelet talks to containerd through the remote runtime flags", () => {
    const flags = byName(kubeletFlags(plan, node));
    expect(flags.get("container-runtime")).toBe("remote");
    expect(flags.get("container-runtime-endpoint")).toBe(RUNTIME_ENDPOINT);
    expect(flags.get("config")).toBe("/etc/kubernetes/kubelet-config.yaml");
    expect(flags.get("kubeconfig")).toBe("/etc/kubernetes/kubelet.kubeconfig");
    expect(flags.get("node-ip")).toBe("172.30.0.10");
    const args = deployed("kubelet");
    expect(args).toContain("--container-runtime=remote");
    expect(args).toContain(`--container-runtime-endpoint=${RUNTIME_ENDPOINT}`);
  });

  it("the KubeletConfiguration leaves the endpoint to the flag", () => {
    const config = parse(kubeletConfig(plan, node)) as Record<string, unknown>;
    expect(config).not.toHaveProperty("containerRuntimeEndpoint");
  });

  it("kube-apiserver closes the insecure port", () => {
    expect(byName(apiServerFlags(plan, node)).get("insecure-port")).toBe("0");
    expect(deployed("kube-apiserver")).toContain("--insecure-port=0");
  });

  it("controller manager and scheduler serve their insecure health port on 127.0.0.1 only", () => {
    expect(byName(controllerManagerFlags(plan)).get("address")).toBe("127.0.0.1");
    expect(byName(schedulerFlags(plan)).get("address")).toBe("127.0.0.1");
    expect(deployed("kube-controller-manager")).toContain("--address=127.0.0.1");
    expect(deployed("kube-scheduler")).toContain("--address=127.0.0.1");
  });

  it("a single API server does not set --apiserver-count", () => {
    expect(byName(apiServerFlags(plan, node)).has("apiserver-count")).toBe(false);
  });
});

describe.each(MODES)("v1.31.0 (coreos-single, %s control plane)", (mode, planAt) => {
  const plan = planAt("v1.31.0");
  const node = firstNode(plan);
  const files = fakeNodeFiles(plan, node);
  const deployed = (component: string): string[] => deployedArgs(files, component);

  it("has the control plane mode asked for", () => {
    expect(plan.controlPlaneMode).toBe(mode);
  });

  it("is the version asked for", () => {
    expect(plan.kubernetes).toMatchObject({ raw: "v1.31.0", major: 1, minor: 31, patch: 0 });
  });

  it("kubelet has neither --container-runtime nor --container-runtime-endpoint", () => {
    const flags = byName(kubeletFlags(plan, node));
    expect(flags.has("container-runtime")).toBe(false);
    expect(flags.has("container-runtime-endpoint")).toBe(false);
    expect([...flags.keys()].sort()).toEqual(["config", "kubeconfig", "node-ip", "v"]);
    const args = deployed("kubelet");
    expect(args.some((a) => a.startsWith("--container-runtime"))).toBe(false);
  });

  it("the KubeletConfiguration names containerd's endpoint", () => {
    const config = parse(kubeletConfig(plan, node)) as Record<string, unknown>;
    expect(config.containerRuntimeEndpoint).toBe(RUNTIME_ENDPOINT);
  });

  it("kube-apiserver has no --insecure-port", () => {
    expect(byName(apiServerFlags(plan, node)).has("insecure-port")).toBe(false);
    expect(deployed("kube-apiserver").some((a) => a.startsWith("--insecure-port"))).toBe(false);
  });

  it("controller manager and scheduler have no --address", () => {
    expect(byName(controllerManagerFlags(plan)).has("address")).toBe(false);
    expect(byName(schedulerFlags(plan)).has("address")).toBe(false);
    expect(deployed("kube-controller-manager").some((a) => a.startsWith("--address"))).toBe(false);
    expect(deployed("kube-scheduler").some((a) => a.startsWith("--address"))).toBe(false);
  });

  it("keeps every flag that does not depend on the version", () => {
    const old = planAt();
    const oldNode = firstNode(old);
    const versioned = new Set(["insecure-port", "address", "container-runtime", "container-runtime-endpoint"]);
    const stable = (flags: Flag[]): Flag[] => flags.filter(([name]) => !versioned.has(name));
    expect(apiServerFlags(plan, node)).toEqual(stable(apiServerFlags(old, oldNode)));
    expect(controllerManagerFlags(plan)).toEqual(stable(controllerManagerFlags(old)));
    expect(schedulerFlags(plan)).toEqual(stable(schedulerFlags(old)));
    expect(kubeletFlags(plan, node)).toEqual(stable(kubeletFlags(old, oldNode)));
  });
});

describe("version boundaries", () => {
  const at = (version: string) => {
    const plan = coreosSinglePlan(version);
    const node = firstNode(plan);
    return {
      kubelet: byName(kubeletFlags(plan, node)),
      apiserver: byName(apiServerFlags(plan, node)),
      scheduler: byName(schedulerFlags(plan)),
      configEndpoint: (parse(kubeletConfig(plan, node)) as Record<string, unknown>).containerRuntimeEndpoint,
    };
  };

  it.each([
    // version, --address, --insecure-port, --container-runtime, endpoint flag, endpoint in config
    ["v1.21.9", true, true, true, true, false],
    ["v1.22.0", false, true, true, true, false],
    ["v1.23.17", false, true, true, true, false],
    ["v1.24.0", false, false, false, true, false],
    ["v1.26.15", false, false, false, true, false],
    ["v1.27.0", false, false, false, false, true],
  ])("%s", (version, address, insecurePort, runtime, endpointFlag, endpointConfig) => {
    const r = at(version);
    expect(r.scheduler.has("address"), "--address").toBe(address);
    expect(r.apiserver.has("insecure-port"), "--insecure-port").toBe(insecurePort);
    expect(r.kubelet.has("container-runtime"), "--container-runtime").toBe(runtime);
    expect(r.kubelet.has("container-runtime-endpoint"), "--container-runtime-endpoint").toBe(endpointFlag);
    expect(r.configEndpoint, "containerRuntimeEndpoint").toBe(endpointConfig ? RUNTIME_ENDPOINT : undefined);
  });
});

describe("three-node lab", () => {
  const plan = threeNodePlan();

  it("points kube-apiserver at the one etcd member and starts it after etcd", () => {
    const ctl = plan.nodes.find((n) => n.name === "ctl1");
    if (!ctl) throw new Error("no ctl1");
    const flags = byName(apiServerFlags(plan, ctl));
    expect(flags.get("etcd-servers")).toBe("https://172.30.1.10:2379");
    expect(flags.get("advertise-address")).toBe("172.30.1.10");
    expect(flags.get("service-cluster-ip-range")).toBe("10.96.0.0/24");
    expect(apiServerUnit(plan, ctl)).toContain("After=etcd.service\n");
  });

  it("gives each worker its own address and pod subnet", () => {
    for (const [name, ip] of [
      ["worker1", "172.30.1.11"],
      ["worker2", "172.30.1.12"],
    ] as const) {
      const node = plan.nodes.find((n) => n.name === name);
      if (!node) throw new Error(`no ${name}`);
      expect(byName(kubeletFlags(plan, node)).get("node-ip")).toBe(ip);
    }
  });
});
