/**
 * What of a lab's state directory goes into its bundle: every file rendered for each node (units,
 * manifests, configs, as placed in the node) and the public half of the PKI (certificates and
 * public keys). Secrets never leave the state directory: a file only its owner may read (private
 * keys, kubeconfigs: 0600), or one holding a private key whatever its mode, is left out and listed
 * with the reason, as are private keys and kubeconfigs kept for the host.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { LabPaths } from "../lab-paths.js";
import type { BundleLeftOut } from "./bundle-manifest.js";
import type { BundleEntry } from "./bundle-tar.js";

/** Files for the bundle, and those left out with the reason. */
export interface StateEntries {
  entries: BundleEntry[];
  leftOut: BundleLeftOut[];
}

/** Why a file must not leave the state directory, or undefined when it may. */
function secretReason(mode: number, content: Buffer): string | undefined {
  if ((mode & 0o044) === 0) return `secret: mode ${(mode & 0o777).toString(8).padStart(4, "0")}, readable by its owner only (a private key or a kubeconfig)`;
  if (content.includes("PRIVATE KEY") || content.includes("client-key-data")) return "secret: it holds a private key";
  return undefined;
}

/** Every regular file under `dir`, as paths relative to it, sorted; none when it does not exist. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const found = await readdir(join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    found.map(async (d) => {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      if (d.isDirectory()) return filesUnder(dir, rel);
      return d.isFile() ? [rel] : [];
    }),
  );
  return nested.flat().sort();
}

/** One file as an entry named `name`, or as left out when it is secret. */
async function entryOf(path: string, name: string, out: StateEntries): Promise<void> {
  const [content, info] = await Promise.all([readFile(path), stat(path)]);
  const secret = secretReason(info.mode, content);
  if (secret) out.leftOut.push({ path: name, reason: secret });
  else out.entries.push({ name, content, mode: info.mode & 0o777 });
}

/** Each node's rendered files as `nodes/NODE/<path in the node>`; a node with none is listed as such. */
export async function nodeEntries(paths: LabPaths, nodes: readonly string[]): Promise<StateEntries> {
  const out: StateEntries = { entries: [], leftOut: [] };
  for (const node of nodes) {
    const files = await filesUnder(paths.nodeDir(node));
    if (!files.length) out.leftOut.push({ path: `nodes/${node}/`, reason: "no files were rendered for it (the lab's last run stopped before writing them)" });
    for (const rel of files) await entryOf(join(paths.nodeDir(node), rel), `nodes/${node}/${rel}`, out);
  }
  return out;
}

/**
 * The PKI's certificates and public keys as `pki/NAME`; its private keys and record, the host's
 * kubeconfigs and the lab's other secrets (bootstrap token, encryption key), listed as left out.
 */
export async function pkiEntries(paths: LabPaths): Promise<StateEntries> {
  const out: StateEntries = { entries: [], leftOut: [] };
  for (const rel of await filesUnder(paths.pkiDir)) {
    if (/\.(crt|pub)$/.test(rel)) await entryOf(join(paths.pkiDir, rel), `pki/${rel}`, out);
    else if (rel.endsWith(".key")) out.leftOut.push({ path: `pki/${rel}`, reason: "secret: a private key" });
    else out.leftOut.push({ path: `pki/${rel}`, reason: "kubelab's own record of what it issued (not needed to import the lab)" });
  }
  for (const rel of await filesUnder(paths.kubeconfigDir)) out.leftOut.push({ path: `kubeconfig/${rel}`, reason: "secret: a kubeconfig with a client key" });
  for (const rel of await filesUnder(paths.secretsDir)) out.leftOut.push({ path: `secrets/${rel}`, reason: "secret: the bootstrap token or the encryption key" });
  return out;
}
