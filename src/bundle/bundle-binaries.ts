/**
 * The binaries a lab ran, for its bundle: each with its version, where it came from and its
 * SHA-256; and, on import, the custom binaries given again (they must be the very files the lab
 * ran) and where this host's cache holds other bits for the same component and version. A bug
 * hunter must know when they are not running what the bug was seen with.
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ArtifactCache, CacheManifest } from "../artifacts/artifact-cache.js";
import { COMPONENT_BINARIES, type ComponentName } from "../artifacts/components.js";
import { sha256File } from "../artifacts/file-hash.js";
import type { ArtifactSource } from "../artifacts/resolve-artifacts.js";
import { UserError } from "../errors.js";
import type { BundleBinary, BundleCustomBinary } from "./bundle-manifest.js";

/** What a lab's state records of its binaries, as a bundle lists them. */
export interface RecordedBinaries {
  binaries: BundleBinary[];
  custom: BundleCustomBinary[];
}

/**
 * Every binary of `sources` (a lab state's artifacts). Hashes come from the state (as the cache
 * recorded them); binaries from a lab's own folder were never hashed and are hashed now. A binary
 * replaced with --with is listed once, as the custom one.
 */
export async function recordedBinaries(sources: readonly ArtifactSource[], cache: ArtifactCache): Promise<RecordedBinaries> {
  const custom: BundleCustomBinary[] = [];
  const binaries: BundleBinary[] = [];
  for (const s of sources) {
    if (s.from !== "custom") continue;
    if (!s.binary || typeof s.sha256 !== "string") throw new Error(`bug: custom binary of ${s.component} recorded without its name or hash`);
    custom.push({ name: s.binary, component: s.component, sha256: s.sha256 });
    binaries.push({ name: s.binary, component: s.component, version: "custom", from: "custom", source: `--with ${s.path}`, sha256: s.sha256 });
  }
  const replaced = new Set(custom.map((c) => c.name));
  for (const s of sources) {
    if (s.from === "custom") continue;
    const hashes = typeof s.sha256 === "object" ? s.sha256 : await hashFolder(s.component, s.path);
    const source = s.from === "dir" ? `artifacts.dir ${s.path}` : ((await cache.manifest(s.component, s.version))?.source ?? s.from);
    for (const [name, sha256] of Object.entries(hashes).sort(([a], [b]) => a.localeCompare(b))) {
      if (!replaced.has(name)) binaries.push({ name, component: s.component, version: s.version, from: s.from, source, sha256 });
    }
  }
  return { binaries, custom };
}

/** The SHA-256 of a component's files in a folder: its binaries, or every CNI plugin there. */
async function hashFolder(component: ComponentName, folder: string): Promise<Record<string, string>> {
  const names = component === "cni-plugins" ? await readdir(folder) : COMPONENT_BINARIES[component];
  const hashes: Record<string, string> = {};
  await Promise.all(names.map(async (name) => (hashes[name] = await sha256File(join(folder, name)))));
  return hashes;
}

/**
 * One line per binary of `binaries` whose component and version this host's cache holds with
 * other content: what the cache holds against what the bundle's lab ran. Custom binaries are
 * checked on their own (they must match exactly), and a version the cache lacks is downloaded and
 * verified against its publisher's checksums.
 */
export async function cacheMismatches(binaries: readonly BundleBinary[], cache: ArtifactCache): Promise<string[]> {
  const manifests = new Map<string, Promise<CacheManifest | undefined>>();
  const manifest = (component: ComponentName, version: string): Promise<CacheManifest | undefined> => {
    const key = `${component}/${version}`;
    if (!manifests.has(key)) manifests.set(key, cache.manifest(component, version));
    return manifests.get(key)!;
  };
  const lines: string[] = [];
  for (const b of binaries) {
    if (b.from === "custom") continue;
    const held = (await manifest(b.component, b.version))?.files[b.name];
    if (held !== undefined && held !== b.sha256) {
      lines.push(`${b.name} ${b.version}: this host's cache (${cache.dir(b.component, b.version)}) holds sha256 ${held}, the bundle's lab ran ${b.sha256}: the lab will not run the same bits`);
    }
  }
  return lines;
}

/**
 * The --with binaries of an import: exactly the custom binaries the bundle's lab ran, each with the
 * SHA-256 it ran with. Resolves with them as given.
 * @throws UserError (exit code 2) for one missing (naming the hash it must have), one the bundle's
 * lab did not replace, or one with other content.
 */
export async function importedCustomBinaries(recorded: readonly BundleCustomBinary[], given: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const names = recorded.map((c) => c.name);
  const extra = Object.keys(given).filter((name) => !names.includes(name));
  if (extra.length) {
    throw new UserError(`failed to use --with ${extra.join(", ")}: the bundle's lab ran the release's ${extra.join(", ")}`, {
      hint: names.length
        ? `an import runs what the bundle's lab ran: give --with only for its custom binaries (${names.join(", ")})`
        : "an import runs what the bundle's lab ran, and it replaced no binary: leave --with out",
      exitCode: 2,
    });
  }
  const missing = recorded.filter((c) => given[c.name] === undefined);
  if (missing.length) {
    throw new UserError(`failed to import the lab: it ran custom binaries not given here: ${missing.map((c) => `${c.name} (sha256 ${c.sha256})`).join(", ")}`, {
      hint: `give each again with --with NAME=PATH (e.g. --with ${missing[0]!.name}=./${missing[0]!.name}): the very file the lab ran, with that SHA-256`,
      exitCode: 2,
    });
  }
  for (const c of recorded) {
    const path = resolve(given[c.name]!);
    const sha256 = await sha256File(path).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`failed to use --with ${c.name}=${given[c.name]}: ${error.code === "ENOENT" ? "no such file" : error.message}`, { exitCode: 2 });
    });
    if (sha256 !== c.sha256) {
      throw new UserError(`failed to use --with ${c.name}=${given[c.name]}: its sha256 is ${sha256}, the bundle's lab ran ${c.name} with sha256 ${c.sha256}`, {
        hint: "give the very binary the lab ran (the same build), so that the import runs the same bits",
        exitCode: 2,
      });
    }
  }
  return { ...given };
}
