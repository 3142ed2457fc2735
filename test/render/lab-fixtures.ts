/**
 * The labs the renderer tests render, a fake (fixed-PEM) PKI for deterministic output, and small
 * readers of rendered units. Not a test file: the *.test.ts files in this folder import it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseLab } from "../../src/config/load-lab.js";
import { planLab, type Plan, type PlannedNode, type ResolvedLab } from "../../src/plan/plan.js";
import { certificateSpecs } from "../../src/pki/certificate-specs.js";
import { SANDBOX_IMAGE } from "../../src/images/image-names.js";
import type { NodeFile } from "../../src/providers/provider.js";
import { nodeFiles, type NodeImages, type PkiMaterial } from "../../src/render/node-files.js";

/** The node subnet the single-node lab is rendered with (the provider would pick one). */
export const SINGLE_NODE_SUBNET = "172.30.0.0/24";

const COREOS_SINGLE = fileURLToPath(new URL("../../labs/coreos-single.yaml", import.meta.url));

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

/** labs/coreos-single.yaml with its node subnet set, optionally at another Kubernetes version. */
export function coreosSinglePlan(kubernetesVersion?: string): Plan {
  let text = readFileSync(COREOS_SINGLE, "utf8");
  if (kubernetesVersion !== undefined) {
    const changed = text.replace(/^kubernetesVersion: .*$/m, `kubernetesVersion: ${kubernetesVersion}`);
    if (changed === text) throw new Error("labs/coreos-single.yaml has no kubernetesVersion line to change");
    text = changed;
  }
  return planLab(resolved(text, COREOS_SINGLE, SINGLE_NODE_SUBNET));
}

/** The three-node lab (ctl1: etcd + control plane; worker1, worker2: workers). */
export function threeNodePlan(): Plan {
  return planLab(resolved(THREE_NODE_YAML, "trio.yaml"));
}

/** Every lab the renderers are snapshotted for. */
export function renderCases(): RenderCase[] {
  return [
    { id: "coreos-single-v1.20.2", plan: coreosSinglePlan() },
    { id: "three-node-v1.20.2", plan: threeNodePlan() },
    { id: "coreos-single-v1.31.0", plan: coreosSinglePlan("v1.31.0") },
  ];
}

/** The cases whose Kubernetes version matches the real v1.20.2 binaries. */
export function v1202Cases(): RenderCase[] {
  return renderCases().filter((c) => c.plan.kubernetes.raw === "v1.20.2");
}

/** The node images nodes are rendered with. */
export const IMAGES: NodeImages = { sandbox: SANDBOX_IMAGE };

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
  };
}

/** nodeFiles with the fake PKI. */
export function fakeNodeFiles(plan: Plan, node: PlannedNode): NodeFile[] {
  return nodeFiles(plan, node, fakePki(plan), IMAGES);
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
