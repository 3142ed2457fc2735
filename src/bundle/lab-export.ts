/**
 * `lab export`: a lab as a reproduction bundle, to attach to a bug report. The bundle holds the lab
 * file as it was brought up, what it ran (versions, every binary's SHA-256, custom binaries'
 * hashes, the node image and component images), each node's rendered files, the public
 * certificates, each node's journal of the lab's units and the last check results; never a private
 * key or a kubeconfig. `lab import` brings the same lab up from it, with fresh keys.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import Docker from "dockerode";
import { ArtifactCache } from "../artifacts/artifact-cache.js";
import { wantedVersions } from "../artifacts/resolve-artifacts.js";
import { labFromState } from "../lab/lab-from-state.js";
import { kubelabVersion } from "../package-root.js";
import type { CheckResult } from "../pipeline/events.js";
import { MANIFESTS_DIR, MANIFESTS_STAGING_DIR } from "../render/node-layout.js";
import { recordedBinaries } from "./bundle-binaries.js";
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  CHECKS_ENTRY,
  LAB_FILE_ENTRY,
  MANIFEST_ENTRY,
  type BundleManifest,
} from "./bundle-manifest.js";
import { checkBundleTarget, writeBundle, type BundleEntry } from "./bundle-tar.js";
import { exportJournals } from "./export-journals.js";
import { nodeEntries, pkiEntries } from "./state-entries.js";

/** What `lab export` was asked for. */
export interface LabExportInput {
  /** The lab's name. */
  lab: string;
  /** Where to write the bundle (`-o`). */
  output: string;
  /** Replace a file already there. */
  force?: boolean;
}

/** What `lab export` wrote. */
export interface LabExportResult {
  lab: string;
  /** The bundle's absolute path. */
  file: string;
  bytes: number;
  /** How many files it holds. */
  entries: number;
  /** Journals read, and those that could not be (with the reason, in the bundle). */
  journals: { read: number; notRead: number };
  /** Files left out (secrets), by path in the bundle. */
  leftOut: string[];
  durationMs: number;
}

/** Writes the bundle of lab `input.lab` to `input.output`. */
export async function labExport(input: LabExportInput): Promise<LabExportResult> {
  const started = Date.now();
  const file = resolve(input.output);
  const replace = Boolean(input.force);
  // A target that would be refused is refused before anything is read.
  await checkBundleTarget(file, replace);
  const existing = await labFromState(input.lab);
  const { paths, plan, state } = existing;

  const [labYaml, checks, nodes, pki, journals, binaries, version, imageId] = await Promise.all([
    readFile(paths.labFile),
    readFile(paths.checksFile).catch(() => undefined),
    nodeEntries(paths, plan.nodes.map((n) => n.name)),
    pkiEntries(paths),
    exportJournals(existing),
    recordedBinaries(state.artifacts ?? [], new ArtifactCache()),
    kubelabVersion(),
    state.image && state.provider === "docker" ? dockerImageId(state.image) : undefined,
  ]);
  const exportedAt = new Date();
  const counts = checks && checkCounts(checks);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    kubelabVersion: version,
    exportedAt: exportedAt.toISOString(),
    lab: plan.labName,
    provider: plan.provider,
    phase: state.phase,
    versions: wantedVersions(plan),
    ...binaries,
    ...(state.image ? { nodeImage: { name: state.image, ...(imageId ? { id: imageId } : {}) } } : {}),
    componentImages: componentImages(nodes.entries),
    nodeSubnet: plan.network.nodeSubnet,
    nodes: plan.nodes.map((n) => ({ name: n.name, roles: [...n.roles], ip: n.ip, ...(n.podCidr ? { podCidr: n.podCidr } : {}) })),
    journals: journals.journals,
    ...(counts ? { checks: counts } : {}),
    leftOut: [...pki.leftOut, ...nodes.leftOut],
  };
  const entries: BundleEntry[] = [
    { name: MANIFEST_ENTRY, content: `${JSON.stringify(manifest, null, 2)}\n` },
    { name: LAB_FILE_ENTRY, content: labYaml },
    ...(checks ? [{ name: CHECKS_ENTRY, content: checks }] : []),
    ...pki.entries,
    ...nodes.entries,
    ...journals.entries,
  ];
  const bytes = await writeBundle(file, entries, { replace, mtime: exportedAt });
  return {
    lab: plan.labName,
    file,
    bytes,
    entries: entries.length,
    journals: { read: journals.entries.length, notRead: journals.journals.length - journals.entries.length },
    leftOut: manifest.leftOut.map((l) => l.path),
    durationMs: Date.now() - started,
  };
}

/** The Docker engine's id of the node image, when it still has it. */
async function dockerImageId(image: string): Promise<string | undefined> {
  return new Docker()
    .getImage(image)
    .inspect()
    .then((i) => i.Id, () => undefined);
}

/** The images the nodes' static pod manifests name, each once. */
function componentImages(nodeFiles: readonly BundleEntry[]): string[] {
  const manifests = nodeFiles.filter((e) => e.name.includes(`${MANIFESTS_DIR}/`) || e.name.includes(`${MANIFESTS_STAGING_DIR}/`));
  const images = manifests.flatMap((e) => [...e.content.toString().matchAll(/^\s*image:\s*"?([^"\s]+)"?\s*$/gm)].map((m) => m[1]!));
  return [...new Set(images)].sort();
}

/** How many of the last checks passed, failed and did not run; undefined when the file is unreadable. */
function checkCounts(checks: Buffer): BundleManifest["checks"] {
  let results: CheckResult[];
  try {
    results = JSON.parse(checks.toString()) as CheckResult[];
  } catch {
    return undefined;
  }
  const count = (status: CheckResult["status"]): number => results.filter((r) => r.status === status).length;
  return { pass: count("pass"), fail: count("fail"), notRun: count("not-run") };
}
