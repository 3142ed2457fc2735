/**
 * The labs the renderer tests render, a fake (fixed-PEM) PKI and fixed component image references
 * for deterministic output, and small readers of rendered units and static pod manifests. Not a
 * test file: the *.test.ts files in this folder import it.
 *
 * labs/coreos-single.yaml runs its control plane and kube-proxy as static pods and has the CoreDNS
 * addon; a "systemd" variant of it (controlPlane: systemd, no addons) keeps the systemd control
 * plane units covered for the same single node. Both are rendered at v1.20.2 (the version of the
 * real test binaries) and at v1.31.0, next to a three-node lab with a systemd control plane and
 * labs/fedora-multi.yaml (fed-master: etcd + control plane; fed-node1, fed-node2: workers) with its
 * flannel overlay and with the vxlan overlay, labs/ha-etcd.yaml (a load balancer in front of two
 * controllers, two etcd members, two workers, the guide's shared certificate) and
 * labs/hardened-single.yaml (one node, every hardening option on) at v1.20.2.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isScalar, isSeq, parse, parseDocument } from "yaml";
import { parseLab } from "../../src/config/load-lab.js";
import { planLab, type Plan, type PlannedNode, type ResolvedLab } from "../../src/plan/plan.js";
import { certificateSpecs } from "../../src/pki/certificate-specs.js";
import { SANDBOX_IMAGE } from "../../src/images/image-names.js";
import type { NodeFile } from "../../src/providers/provider.js";
import { nodeFiles, type NodeImages, type PkiMaterial } from "../../src/render/node-files.js";
import { MANIFESTS_STAGING_DIR, UNIT_DIR } from "../../src/render/node-layout.js";
import { STATIC_POD_COMPONENTS, type ComponentImages } from "../../src/render/static-pods.js";

/** The node subnet the single-node lab is rendered with (the provider would pick one). */
export const SINGLE_NODE_SUBNET = "172.30.0.0/24";

const COREOS_SINGLE = fileURLToPath(new URL("../../labs/coreos-single.yaml", import.meta.url));
const FEDORA_MULTI = fileURLToPath(new URL("../../labs/fedora-multi.yaml", import.meta.url));
const HA_ETCD = fileURLToPath(new URL("../../labs/ha-etcd.yaml", import.meta.url));
const HARDENED_SINGLE = fileURLToPath(new URL("../../labs/hardened-single.yaml", import.meta.url));

/** One etcd + control plane node and two workers, with the schema's default networks. */
const THREE_NODE_YAML = `
name: trio
description: one etcd and control plane node, two workers
kubernetesVersion: v1.20.2
network:
  nodeSubnet: 172.30.1.0/24
nodes:
  - name: ctl1
    roles: [etcd, controlplane]
  - name: worker1
    roles: [worker]
  - name: worker2
    roles: [worker]
`;

/** A lab the tests render. */
export interface RenderCase {
  /** Folder name of its snapshots. */
  id: string;
  plan: Plan;
}

function resolved(text: string, file: string, nodeSubnet?: string): ResolvedLab {
  const { lab } = parseLab(text, file);
  const subnet = nodeSubnet ?? lab.network.nodeSubnet;
  if (subnet === undefined) throw new Error(`${file} has no node subnet and the test gave none`);
  return { ...lab, network: { ...lab.network, nodeSubnet: subnet } };
}

/** The control plane modes a lab can have. */
export type ControlPlaneMode = Plan["controlPlaneMode"];

/**
 * labs/coreos-single.yaml, edited as a YAML document (so its comments and layout stay): another
 * Kubernetes version, and/or the systemd control plane without addons (and so without the dns
 * check, which needs the coredns addon). Throws when the file no longer has what is edited.
 */
function coreosSingleText(options: { kubernetesVersion?: string; systemd?: boolean }): string {
  const doc = parseDocument(readFileSync(COREOS_SINGLE, "utf8"));
  const mustHave = (key: string): void => {
    if (!doc.has(key)) throw new Error(`labs/coreos-single.yaml has no ${key} to change`);
  };
  if (options.kubernetesVersion !== undefined) {
    mustHave("kubernetesVersion");
    doc.set("kubernetesVersion", options.kubernetesVersion);
  }
  if (options.systemd) {
    mustHave("controlPlane");
    doc.set("controlPlane", "systemd");
    doc.delete("addons");
    const checks = doc.get("checks");
    if (isSeq(checks)) {
      const at = checks.items.findIndex((item) => isScalar(item) && item.value === "dns");
      if (at >= 0) checks.delete(at);
    }
  }
  return doc.toString();
}

/**
 * labs/coreos-single.yaml as it is (static pods, CoreDNS) with its node subnet set, optionally at
 * another Kubernetes version.
 */
export function coreosSinglePlan(kubernetesVersion?: string): Plan {
  const text = coreosSingleText(kubernetesVersion === undefined ? {} : { kubernetesVersion });
  return planLab(resolved(text, COREOS_SINGLE, SINGLE_NODE_SUBNET));
}

/** labs/coreos-single.yaml with a systemd control plane and no addons, optionally at another version. */
export function coreosSystemdPlan(kubernetesVersion?: string): Plan {
  const text = coreosSingleText({ systemd: true, ...(kubernetesVersion === undefined ? {} : { kubernetesVersion }) });
  return planLab(resolved(text, COREOS_SINGLE, SINGLE_NODE_SUBNET));
}

/**
 * labs/fedora-multi.yaml (a master, two workers, flannel) with its node subnet set, or with another
 * overlay (vxlan: the pipeline's own flannel.1 devices).
 */
export function fedoraMultiPlan(overlay?: "vxlan" | "routes"): Plan {
  const doc = parseDocument(readFileSync(FEDORA_MULTI, "utf8"));
  if (overlay) {
    if (!doc.hasIn(["network", "overlay"])) throw new Error("labs/fedora-multi.yaml has no network.overlay to change");
    doc.setIn(["network", "overlay"], overlay);
    const checks = doc.get("checks");
    if (isSeq(checks)) checks.items = checks.items.filter((item) => !(isScalar(item) && String(item.value).startsWith("flannel-")));
  }
  return planLab(resolved(doc.toString(), FEDORA_MULTI, SINGLE_NODE_SUBNET));
}

/** The three-node lab (ctl1: etcd + control plane; worker1, worker2: workers). */
export function threeNodePlan(): Plan {
  return planLab(resolved(THREE_NODE_YAML, "trio.yaml"));
}

/**
 * labs/ha-etcd.yaml as it is (a load balancer, 2 etcd members, 2 controllers, 2 workers, the shared
 * PKI layout) with its node subnet set: lb 172.30.0.10, etcd1-2 .11-.12, controller1-2 .13-.14,
 * worker1-2 .15-.16.
 */
export function haEtcdPlan(): Plan {
  return planLab(resolved(readFileSync(HA_ETCD, "utf8"), HA_ETCD, SINGLE_NODE_SUBNET));
}

/**
 * labs/hardened-single.yaml as it is (one node; TLS bootstrapping, Secrets encrypted at rest, an
 * audit log, anonymous auth off, TLS 1.2 with the guide's cipher suites) with its node subnet set.
 */
export function hardenedSinglePlan(): Plan {
  return planLab(resolved(readFileSync(HARDENED_SINGLE, "utf8"), HARDENED_SINGLE, SINGLE_NODE_SUBNET));
}

/** Every lab the renderers are snapshotted for. */
export function renderCases(): RenderCase[] {
  return [
    { id: "coreos-single-v1.20.2", plan: coreosSinglePlan() },
    { id: "coreos-single-systemd-v1.20.2", plan: coreosSystemdPlan() },
    { id: "three-node-v1.20.2", plan: threeNodePlan() },
    { id: "fedora-multi-flannel-v1.20.2", plan: fedoraMultiPlan() },
    { id: "fedora-multi-vxlan-v1.20.2", plan: fedoraMultiPlan("vxlan") },
    { id: "ha-etcd-v1.20.2", plan: haEtcdPlan() },
    { id: "hardened-single-v1.20.2", plan: hardenedSinglePlan() },
    { id: "coreos-single-v1.31.0", plan: coreosSinglePlan("v1.31.0") },
    { id: "coreos-single-systemd-v1.31.0", plan: coreosSystemdPlan("v1.31.0") },
  ];
}

/** The cases whose Kubernetes version matches the real v1.20.2 binaries. */
export function v1202Cases(): RenderCase[] {
  return renderCases().filter((c) => c.plan.kubernetes.raw === "v1.20.2");
}

/** The cases with the given control plane mode. */
export function casesWithMode(mode: ControlPlaneMode, cases: readonly RenderCase[] = renderCases()): RenderCase[] {
  return cases.filter((c) => c.plan.controlPlaneMode === mode);
}

/** The render case with this id (throws when there is none). */
export function renderCase(id: string): RenderCase {
  const found = renderCases().find((c) => c.id === id);
  if (!found) throw new Error(`no render case ${id}`);
  return found;
}

/**
 * Fixed static pod image references, as the upstream images are named (what ensureComponentImages
 * picks when the engine has or can pull them), e.g. registry.k8s.io/kube-apiserver:v1.20.2.
 */
export function componentImages(plan: Plan): ComponentImages {
  return Object.fromEntries(
    STATIC_POD_COMPONENTS.map((component) => [component, `registry.k8s.io/${component}:${plan.kubernetes.raw}`]),
  ) as ComponentImages;
}

/** The node images a lab's nodes are rendered with: component images only for static pods, as the pipeline does. */
export function nodeImages(plan: Plan): NodeImages {
  return plan.controlPlaneMode === "static-pods"
    ? { sandbox: SANDBOX_IMAGE, components: componentImages(plan) }
    : { sandbox: SANDBOX_IMAGE };
}

/** A fixed bootstrap token and encryption key (valid in form) for deterministic snapshots. */
export const FAKE_SECRETS = {
  bootstrapToken: { id: "abcdef", secret: "0123456789abcdef" },
  encryptionKey: Buffer.alloc(32, 7).toString("base64"),
};

/** A fixed, recognisable PEM block (not a real certificate) for deterministic snapshots. */
function fakePem(label: string, name: string): string {
  return `-----BEGIN ${label}-----\nZmFrZSB0ZXN0IG1hdGVyaWFs:${name}\n-----END ${label}-----\n`;
}

/**
 * PKI material with fixed PEM strings. Like the real store it only knows the names the plan has
 * certificates for, so a renderer asking for a certificate that does not exist still fails.
 */
export function fakePki(plan: Plan): PkiMaterial {
  const names = new Set(certificateSpecs(plan).map((s) => s.name));
  return {
    get(name: string) {
      if (!names.has(name)) throw new Error(`the lab has no certificate named ${name}`);
      return { certPem: fakePem("CERTIFICATE", name), keyPem: fakePem("RSA PRIVATE KEY", name) };
    },
    serviceAccount: {
      privateKeyPem: fakePem("RSA PRIVATE KEY", "service-account"),
      publicKeyPem: fakePem("PUBLIC KEY", "service-account"),
    },
    secrets: FAKE_SECRETS,
  };
}

/** nodeFiles with the fake PKI and the fixed images. */
export function fakeNodeFiles(plan: Plan, node: PlannedNode): NodeFile[] {
  return nodeFiles(plan, node, fakePki(plan), nodeImages(plan));
}

/** A node file's content as text. */
export function text(file: NodeFile): string {
  return typeof file.content === "string" ? file.content : file.content.toString("utf8");
}

/** The node's file at `path`; throws when node-files did not produce it. */
export function fileAt(files: readonly NodeFile[], path: string): NodeFile {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no file ${path} among ${files.map((f) => f.path).join(", ")}`);
  return file;
}

/** The systemd units among a node's files. */
export function unitFiles(files: readonly NodeFile[]): NodeFile[] {
  return files.filter((f) => f.path.startsWith("/etc/systemd/system/") && f.path.endsWith(".service"));
}

/** The units that run a lab component (a binary under /usr/local/bin), not one of kubelab's own scripts. */
export function componentUnits(files: readonly NodeFile[]): NodeFile[] {
  return unitFiles(files).filter((u) => execStart(text(u)).binary.startsWith("/usr/local/bin/"));
}

/** The file name of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A unit file's settings as [section, key, value], continuation lines joined. */
export function unitSettings(unit: string): Array<[section: string, key: string, value: string]> {
  const out: Array<[string, string, string]> = [];
  let section = "";
  const logical = unit.replace(/\\\n/g, " ").split("\n");
  for (const line of logical) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = trimmed.indexOf("=");
    if (eq < 0) throw new Error(`not a unit setting: ${trimmed}`);
    out.push([section, trimmed.slice(0, eq), trimmed.slice(eq + 1)]);
  }
  return out;
}

/** The values of one setting of a unit (in order). */
export function unitValues(unit: string, section: string, key: string): string[] {
  return unitSettings(unit)
    .filter(([s, k]) => s === section && k === key)
    .map(([, , v]) => v);
}

/** The command line of a unit's single ExecStart=: the binary and its arguments. */
export function execStart(unit: string): { binary: string; args: string[] } {
  const values = unitValues(unit, "Service", "ExecStart");
  if (values.length !== 1) throw new Error(`expected one ExecStart=, found ${values.length}`);
  const [binary, ...args] = values[0]!.split(/\s+/).filter((w) => w !== "");
  if (binary === undefined) throw new Error("empty ExecStart=");
  return { binary, args };
}

/** The flag names of a command line's `--name[=value]` arguments. */
export function flagNames(args: readonly string[]): string[] {
  return args.map((arg) => {
    const match = /^--([a-z0-9][a-z0-9-]*)(=|$)/.exec(arg);
    if (!match) throw new Error(`not a --flag argument: ${arg}`);
    return match[1]!;
  });
}

/** The static pod manifests among a node's files (staged until their images are in the node). */
export function manifestFiles(files: readonly NodeFile[]): NodeFile[] {
  return files.filter((f) => f.path.startsWith(`${MANIFESTS_STAGING_DIR}/`) && f.path.endsWith(".yaml"));
}

/** A static pod manifest, as far as the tests read it. */
export interface PodManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: {
    hostNetwork?: boolean;
    priorityClassName?: string;
    containers: Array<{
      name: string;
      image: string;
      command: string[];
      livenessProbe?: { httpGet?: { host?: string; port: number | string; path: string; scheme?: string } };
      securityContext?: { privileged?: boolean };
      volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
    }>;
    volumes?: Array<{ name: string; hostPath?: { path: string; type?: string } }>;
  };
}

/** Parses a manifest strictly (a repeated key or a second document is an error). */
export function parseManifest(source: string): PodManifest {
  const doc: unknown = parse(source, { strict: true, uniqueKeys: true });
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("not a YAML mapping");
  return doc as PodManifest;
}

/** The command line of a static pod manifest's single container: the binary and its arguments. */
export function podCommand(manifest: string): { binary: string; args: string[] } {
  const containers = parseManifest(manifest).spec.containers;
  if (containers.length !== 1) throw new Error(`expected one container, found ${containers.length}`);
  const [binary, ...args] = containers[0]!.command;
  if (binary === undefined) throw new Error("empty command");
  return { binary, args };
}

/**
 * The arguments a component runs with on a node, from whatever reaches the node: its systemd
 * unit's ExecStart=, or its static pod's command. Throws when the node has neither or both.
 */
export function deployedArgs(files: readonly NodeFile[], component: string): string[] {
  const unit = files.find((f) => f.path === `${UNIT_DIR}/${component}.service`);
  const manifest = files.find((f) => f.path === `${MANIFESTS_STAGING_DIR}/${component}.yaml`);
  if (unit && manifest) throw new Error(`${component} has both a unit and a static pod`);
  if (unit) return execStart(text(unit)).args;
  if (manifest) return podCommand(text(manifest)).args;
  throw new Error(`${component} has neither a unit nor a static pod among ${files.map((f) => f.path).join(", ")}`);
}
