/**
 * The artifact cache: binaries per component and version, each folder with a manifest of the
 * files' SHA-256 and where they came from. Folders appear whole (built aside, then renamed).
 */
import { chmod, copyFile, link, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
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
   * Stores files (name -> path on disk) as a component version. Hard-links when the source is on
   * the same filesystem, copies otherwise. Replaces a previous copy whole.
   */
  async store(component: ComponentName, version: string, files: Map<string, string>, source: string): Promise<CacheManifest> {
    const final = this.dir(component, version);
    const temp = `${final}.tmp-${process.pid}`;
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    const hashes: Record<string, string> = {};
    await Promise.all(
      [...files].map(async ([name, from]) => {
        const to = join(temp, name);
        // A hard link shares the source's inode: only link what is already executable, so the
        // source's mode is never touched.
        const executable = ((await stat(from)).mode & 0o111) !== 0;
        if (!executable || !(await link(from, to).then(() => true, () => false))) {
          await copyFile(from, to);
          await chmod(to, 0o755);
        }
        hashes[name] = await sha256File(to);
      }),
    );
    const manifest: CacheManifest = { component, version, source, files: hashes, storedAt: new Date().toISOString() };
    await writeFile(join(temp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(final, { recursive: true, force: true });
    await rename(temp, final);
    return manifest;
  }
}
