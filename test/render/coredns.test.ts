/**
 * The CoreDNS addon of the labs that have it (coreos-single at v1.20.2 and v1.31.0): its manifests
 * snapshotted (__snapshots__/<lab>/addons/coredns.yaml), parsed and checked object by object
 * against the plan: the Service kube-dns at the lab's DNS address (kubelet's clusterDNS), a
 * Corefile for the lab's cluster domain, the CoreDNS image of the Kubernetes version, RBAC that
 * reads EndpointSlices only where CoreDNS uses them (from 1.21). For v1.20.2 the real kubelet
 * validates the Deployment's pod template as a pod (kubelet-pods.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corednsImage, corednsManifests, corefile } from "../../src/addons/coredns.js";
import type { Plan } from "../../src/plan/plan.js";
import { kubeletConfig } from "../../src/render/kubelet.js";
import { kubeletReadsManifests, type KubeletVerdict } from "./kubelet-pods.js";
import { coreosSinglePlan, renderCases, threeNodePlan } from "./lab-fixtures.js";
import { failWhenMissing, findNodeImage, missingBinaries, skipUnlessAvailable } from "./real-tools.js";

/** A parsed YAML object, read field by field. */
type Obj = Record<string, any>;

/** The addon's documents, parsed strictly, by kind (each kind once). */
function objectsOf(manifests: string): { kinds: string[]; byKind: Map<string, Obj> } {
  const docs = parseAllDocuments(manifests, { strict: true, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new Error("not a YAML stream");
  const objects = docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("\n"));
    return doc.toJS() as Obj;
  });
  const byKind = new Map<string, Obj>();
  for (const o of objects) {
    if (byKind.has(o.kind)) throw new Error(`${o.kind} twice`);
    byKind.set(o.kind, o);
  }
  return { kinds: objects.map((o) => String(o.kind)), byKind };
}

function get(byKind: Map<string, Obj>, kind: string): Obj {
  const o = byKind.get(kind);
  if (!o) throw new Error(`no ${kind}`);
  return o;
}

const addonCases = renderCases().filter(({ plan }) => plan.addons.includes("coredns"));

describe("the labs with the CoreDNS addon", () => {
  it("are coreos-single (the lab file) at both versions, and hardened-single", () => {
    expect(addonCases.map((c) => c.id)).toEqual(["coreos-single-v1.20.2", "hardened-single-v1.20.2", "coreos-single-v1.31.0"]);
  });
});

describe.each(addonCases)("$id", ({ id, plan }) => {
  const manifests = corednsManifests(plan);
  const { kinds, byKind } = objectsOf(manifests);
  const deployment = get(byKind, "Deployment");
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];

  it("matches its snapshot", async () => {
    await expect(manifests).toMatchFileSnapshot(`__snapshots__/${id}/addons/coredns.yaml`);
  });

  it("holds the ServiceAccount, RBAC, ConfigMap, Deployment and Service, namespaced in kube-system", () => {
    expect(kinds).toEqual(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Service"]);
    for (const kind of ["ServiceAccount", "ConfigMap", "Deployment", "Service"]) {
      expect(get(byKind, kind).metadata.namespace, kind).toBe("kube-system");
    }
    for (const kind of ["ClusterRole", "ClusterRoleBinding"]) expect(get(byKind, kind).metadata.namespace, kind).toBeUndefined();
  });

  it("the Service kube-dns is at the lab's DNS address, the one kubelet gives pods", () => {
    const service = get(byKind, "Service");
    expect(service.metadata.name).toBe("kube-dns");
    expect(service.spec.clusterIP).toBe(plan.network.dnsIp);
    // The lab file's DNS address (coreos-single: the CoreOS guide's).
    expect(service.spec.clusterIP).toBe(id.startsWith("hardened-single") ? "10.32.0.10" : "10.3.0.10");
    for (const node of plan.nodes.filter((n) => n.kubelet)) {
      expect((parse(kubeletConfig(plan, node)) as Obj).clusterDNS, node.name).toEqual([service.spec.clusterIP]);
    }
    expect(service.spec.ports).toEqual([
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
      { name: "metrics", port: 9153, protocol: "TCP" },
    ]);
    // The Service selects the Deployment's pods.
    expect(pod.metadata.labels).toMatchObject(service.spec.selector);
    expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
  });

  it("the Corefile serves the lab's cluster domain and is what the Deployment reads", () => {
    const configMap = get(byKind, "ConfigMap");
    const text = configMap.data.Corefile as string;
    expect(text).toBe(corefile(plan));
    expect(text).toContain(`    kubernetes ${plan.network.clusterDomain} in-addr.arpa ip6.arpa {\n`);
    expect(plan.network.clusterDomain).toBe("cluster.local");
    expect(text).toMatch(/^\s+forward \. \/etc\/resolv\.conf$/m);
    // -conf names the Corefile where the ConfigMap volume puts it.
    const volume = pod.spec.volumes.find((v: Obj) => v.configMap?.name === configMap.metadata.name);
    expect(volume, "a volume from the ConfigMap").toBeDefined();
    const mount = container.volumeMounts.find((m: Obj) => m.name === volume.name);
    const item = volume.configMap.items.find((i: Obj) => i.key === "Corefile");
    expect(container.args).toEqual(["-conf", `${mount.mountPath}/${item.path}`]);
  });

  it("runs the CoreDNS image of the lab's Kubernetes version", () => {
    expect(container.image).toBe(corednsImage(plan));
    expect(container.image).toBe(
      plan.kubernetes.raw === "v1.20.2" ? "registry.k8s.io/coredns:1.7.0" : "registry.k8s.io/coredns/coredns:v1.11.3",
    );
  });

  it("runs as the ServiceAccount the ClusterRoleBinding binds to the ClusterRole", () => {
    const account = get(byKind, "ServiceAccount");
    const role = get(byKind, "ClusterRole");
    const binding = get(byKind, "ClusterRoleBinding");
    expect(pod.spec.serviceAccountName).toBe(account.metadata.name);
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: account.metadata.name, namespace: "kube-system" }]);
  });
});

describe("CoreDNS RBAC and image by Kubernetes version", () => {
  /** The ClusterRole's rules as "group/resource: verbs". */
  const rules = (plan: Plan): string[] =>
    (get(objectsOf(corednsManifests(plan)).byKind, "ClusterRole").rules as Obj[]).flatMap((r) =>
      (r.resources as string[]).flatMap((res) => (r.apiGroups as string[]).map((g) => `${g}/${res}: ${(r.verbs as string[]).join(",")}`)),
    );
  const core = ["/endpoints: list,watch", "/services: list,watch", "/pods: list,watch", "/namespaces: list,watch"];

  it.each([
    ["v1.20.2", false, "registry.k8s.io/coredns:1.7.0"],
    ["v1.21.0", true, "registry.k8s.io/coredns/coredns:v1.8.0"],
    ["v1.24.17", true, "registry.k8s.io/coredns/coredns:v1.8.6"],
    ["v1.31.0", true, "registry.k8s.io/coredns/coredns:v1.11.3"],
    ["v1.33.1", true, "registry.k8s.io/coredns/coredns:v1.11.3"],
  ])("%s: endpointslices %s, %s", (version, endpointSlices, image) => {
    const plan = coreosSinglePlan(version);
    expect(rules(plan)).toEqual(endpointSlices ? [...core, "discovery.k8s.io/endpointslices: list,watch"] : core);
    expect(corednsImage(plan)).toBe(image);
  });
});

describe("CoreDNS follows the plan's network", () => {
  it("another lab's DNS address and cluster domain", () => {
    const trio = threeNodePlan();
    const plan: Plan = { ...trio, network: { ...trio.network, clusterDomain: "lab.example" } };
    const { byKind } = objectsOf(corednsManifests(plan));
    expect(get(byKind, "Service").spec.clusterIP).toBe("10.96.0.10");
    expect(get(byKind, "ConfigMap").data.Corefile).toContain("    kubernetes lab.example in-addr.arpa ip6.arpa {\n");
    expect(get(byKind, "ConfigMap").data.Corefile).not.toContain("cluster.local");
  });
});

const nodeImage = await findNodeImage();
const missing = [...(await missingBinaries(["kubelet"])), ...nodeImage.missing];
const SUITE = "the CoreDNS pod template validated by the real kubelet v1.20.2 (in a container)";

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  const [first] = addonCases.filter(({ plan }) => plan.kubernetes.raw === "v1.20.2");
  if (!first) throw new Error("no v1.20.2 lab with CoreDNS");

  /** The Deployment's pod template as a Pod of its own (named coredns-<label>). */
  function templatePod(template: Obj, label: string): string {
    return stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { ...template.metadata, name: `coredns-${label}`, namespace: "kube-system" },
      spec: template.spec,
    });
  }

  let dir: string;
  let verdict: KubeletVerdict;
  beforeAll(async () => {
    if (nodeImage.image === undefined) throw new Error("no node image");
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-coredns-"));
    const template = get(objectsOf(corednsManifests(first.plan)).byKind, "Deployment").spec.template as Obj;
    const broken = structuredClone(template);
    broken.spec.containers[0].ports[0].protocol = "UDPX";
    verdict = await kubeletReadsManifests(nodeImage.image, dir, "core1", {
      "coredns.yaml": templatePod(template, "rendered"),
      "coredns-broken.yaml": templatePod(broken, "broken"),
    });
  }, 150_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("kubelet accepts the rendered pod template", () => {
    expect(verdict.rejected["coredns.yaml"], verdict.log).toBeUndefined();
    expect(verdict.accepted, verdict.log).toEqual(["coredns-rendered-core1_kube-system"]);
    expect(verdict.complete, verdict.log).toBe(true);
  });

  it("and would refuse a broken one (an unknown port protocol)", () => {
    expect(verdict.rejected["coredns-broken.yaml"], verdict.log).toMatch(
      /invalid pod: .*spec\.containers\[0\]\.ports\[0\]\.protocol: Unsupported value: "UDPX"/,
    );
  });
});
