/**
 * The artifact cache: binaries per component and version, each folder with a manifest of the
 * files' SHA-256 and where they came from. Folders appear whole (built aside, then renamed).
 */
import { constants } from "node:fs";
import { chmod, copyFile, mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cacheHome } from "../lab-paths.js";
import { COMPONENT_BINARIES, type ComponentName } from "./components.js";
import { sha256File } from "./file-hash.js";

/** Where a cached component came from. */
export interface CacheManifest {
  component: ComponentName;
  version: string;
  /** "download <url>", "import <dir>". */
  source: string;
  /** SHA-256 of every file. */
  files: Record<string, string>;
  storedAt: string;
}

/** The artifact cache under $KUBELAB_CACHE/artifacts. */
export class ArtifactCache {
  readonly root: string;

  constructor(root: string = join(cacheHome(), "artifacts")) {
    this.root = root;
  }

  /** The folder of one component version. */
  dir(component: ComponentName, version: string): string {
    return join(this.root, component, version);
  }

  /** The manifest of a cached component version, if it is complete. */
  async manifest(component: ComponentName, version: string): Promise<CacheManifest | undefined> {
    try {
      const m = JSON.parse(await readFile(join(this.dir(component, version), "manifest.json"), "utf8")) as CacheManifest;
      return COMPONENT_BINARIES[component].every((b) => b in m.files) ? m : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Stores files (name -> path on disk, symlinks followed) as a component version, as copies.
   * Replaces a previous copy whole; a failed store leaves the cache as it was. A copy already
   * holding exactly these files is kept as it is: running labs share its folder with their nodes
   * (a replaced folder would leave them an empty mount).
   */
  async store(component: ComponentName, version: string, files: Map<string, string>, source: string): Promise<CacheManifest> {
    const final = this.dir(component, version);
    const existing = await this.manifest(component, version);
    if (existing && Object.keys(existing.files).length === files.size) {
      const same = await Promise.all([...files].map(async ([name, path]) => existing.files[name] === (await sha256File(await realpath(path)))));
      if (same.every(Boolean)) return existing;
    }
    const temp = `${final}.tmp-${process.pid}`;
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    const hashes: Record<string, string> = {};
    const results = await Promise.allSettled(
      [...files].map(async ([name, path]) => {
        const to = join(temp, name);
        // A copy, never a link: a binary rebuilt in place at its source must not change what the
        // cache (and its recorded hash) holds. Copy-on-write filesystems clone instead of copying.
        await copyFile(await realpath(path), to, constants.COPYFILE_FICLONE);
        await chmod(to, 0o755);
        hashes[name] = await sha256File(to);
      }),
    );
    // A failed store leaves nothing behind (every copy has settled before the folder goes).
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) {
      await rm(temp, { recursive: true, force: true });
      throw failure.reason;
    }
    const manifest: CacheManifest = { component, version, source, files: hashes, storedAt: new Date().toISOString() };
    await writeFile(join(temp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(final, { recursive: true, force: true });
    await rename(temp, final);
    return manifest;
  }
}
