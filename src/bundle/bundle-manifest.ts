/**
 * A reproduction bundle's `bundle.json`: what a lab was (versions, binaries and their SHA-256,
 * node image, nodes), what the bundle holds and what it leaves out and why. One zod schema gives
 * the type and the strict validation `lab import` applies; the format version is read first, so a
 * bundle from another kubelab says so instead of failing on a field it does not know.
 */
import { z } from "zod";
import { COMPONENTS } from "../artifacts/components.js";
import { NODE_ROLES, PROVIDERS } from "../config/lab-schema.js";
import { UserError } from "../errors.js";
import { LAB_PHASES } from "../lab-state.js";

/** What `format` says in every bundle. */
export const BUNDLE_FORMAT = "kubelab-bundle";

/** The version of the format this kubelab writes and reads. */
export const BUNDLE_FORMAT_VERSION = 1;

/** The manifest's name inside the bundle. */
export const MANIFEST_ENTRY = "bundle.json";

/** The lab file's name inside the bundle. */
export const LAB_FILE_ENTRY = "lab.yaml";

/** The last check results' name inside the bundle. */
export const CHECKS_ENTRY = "checks.json";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: "expected a SHA-256 in hex" });
const component = z.enum(COMPONENTS);

const binarySchema = z.strictObject({
  name: z.string().describe('the binary, e.g. "kube-apiserver" or the CNI plugin "bridge"'),
  component,
  version: z.string().describe('the release, or "custom" for a binary given with --with'),
  from: z.enum(["dir", "cache", "download", "custom"]).describe("where `lab up` found it"),
  source: z.string().describe('where it came from: the cache\'s record ("download URL", "import DIR"), the lab\'s folder, or the --with file'),
  sha256,
});

const customSchema = z.strictObject({ name: z.string(), component, sha256 });

const nodeSchema = z.strictObject({
  name: z.string(),
  roles: z.array(z.enum(NODE_ROLES)),
  ip: z.string(),
  podCidr: z.string().optional(),
});

const leftOutSchema = z.strictObject({
  path: z.string().describe('what was left out, as the bundle would have named it, e.g. "pki/ca.key"'),
  reason: z.string(),
});

const journalSchema = z.strictObject({
  node: z.string(),
  unit: z.string(),
  entry: z.string().optional().describe("the journal's entry in the bundle, when it was read"),
  notRead: z.string().optional().describe("why it was not read (a node that is not running, an unreachable provider)"),
});

const manifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  kubelabVersion: z.string(),
  exportedAt: z.iso.datetime(),
  lab: z.string(),
  provider: z.enum(PROVIDERS),
  phase: z.enum(LAB_PHASES).describe("how far the lab's last run got"),
  versions: z.strictObject({ kubernetes: z.string(), etcd: z.string(), "cni-plugins": z.string(), flannel: z.string().optional() }),
  binaries: z.array(binarySchema),
  custom: z.array(customSchema).describe("binaries given with --with: `lab import` needs them again, with these hashes"),
  nodeImage: z.strictObject({ name: z.string(), id: z.string().optional() }).optional(),
  componentImages: z.array(z.string()).describe("the images the nodes' static pod manifests name"),
  nodeSubnet: z.string(),
  nodes: z.array(nodeSchema),
  journals: z.array(journalSchema),
  checks: z.strictObject({ pass: z.number().int(), fail: z.number().int(), notRun: z.number().int() }).optional(),
  leftOut: z.array(leftOutSchema),
});

/** A bundle's manifest. */
export type BundleManifest = z.infer<typeof manifestSchema>;
/** One binary the lab ran. */
export type BundleBinary = z.infer<typeof binarySchema>;
/** A binary given with --with. */
export type BundleCustomBinary = z.infer<typeof customSchema>;
/** One unit's journal on one node, read or not. */
export type BundleJournal = z.infer<typeof journalSchema>;
/** Something the bundle does not hold, and why. */
export type BundleLeftOut = z.infer<typeof leftOutSchema>;

/** The first look at a manifest: which format and version, before the rest is read. */
const headerSchema = z.looseObject({ format: z.literal(BUNDLE_FORMAT), formatVersion: z.number().int() });

/**
 * Reads a bundle's manifest strictly.
 * @throws UserError (exit code 2) naming `file` when it is not JSON, not a kubelab bundle's, of
 * another format version, or not valid.
 */
export function parseBundleManifest(text: string, file: string): BundleManifest {
  const notBundle = (reason: string, hint = "give a file written by lab export"): UserError =>
    new UserError(`failed to read bundle ${file}: ${reason}`, { hint, exitCode: 2 });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw notBundle(`its ${MANIFEST_ENTRY} is not JSON`);
  }
  const header = headerSchema.safeParse(json);
  if (!header.success) throw notBundle(`its ${MANIFEST_ENTRY} is not a kubelab bundle's (no format "${BUNDLE_FORMAT}" with a formatVersion)`);
  if (header.data.formatVersion !== BUNDLE_FORMAT_VERSION) {
    const made = typeof header.data.kubelabVersion === "string" ? ` (made by kubelab ${header.data.kubelabVersion})` : "";
    throw notBundle(
      `unknown bundle format version ${header.data.formatVersion}${made}; this kubelab reads version ${BUNDLE_FORMAT_VERSION}`,
      "import it with the kubelab that made it, or export the lab again with this one",
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top)"}: ${i.message}`);
    throw notBundle(`its ${MANIFEST_ENTRY} is not valid: ${problems.join("; ")}`);
  }
  return parsed.data;
}
