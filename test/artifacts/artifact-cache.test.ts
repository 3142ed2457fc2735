/**
 * The artifact cache itself, with real CNI plugins (small real executables): what a store leaves
 * on disk, replacing a version whole, which manifests count as complete, and a store that fails.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ArtifactCache, type CacheManifest } from "../../src/artifacts/artifact-cache.js";
import { describeWithArtifacts, listTree, modeOf, REAL_BIN, REAL_CNI, sha256sumDir, tempDir } from "./support.js";

const REQUIRED_CNI = ["bridge", "host-local", "loopback", "portmap"];

const temps: string[] = [];
async function freshCache(): Promise<ArtifactCache> {
  const dir = await tempDir("cache");
  temps.push(dir);
  return new ArtifactCache(join(dir, "artifacts"));
}
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

function cniFiles(names: readonly string[]): Map<string, string> {
  return new Map(names.map((n) => [n, join(REAL_CNI, n)]));
}

describeWithArtifacts("ArtifactCache", () => {
  let hashes: Record<string, string>;

  beforeAll(async () => {
    hashes = await sha256sumDir(REAL_CNI, [...REQUIRED_CNI, "tuning"]);
  });

  it("stores files under <root>/<component>/<version> with a manifest of their sha256sums", async () => {
    const cache = await freshCache();
    const manifest = await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI), "import /somewhere");
    const dir = cache.dir("cni-plugins", "v1.1.1");
    expect(dir).toBe(join(cache.root, "cni-plugins", "v1.1.1"));
    expect(manifest).toMatchObject({ component: "cni-plugins", version: "v1.1.1", source: "import /somewhere" });
    expect(manifest.files).toStrictEqual(Object.fromEntries(REQUIRED_CNI.map((n) => [n, hashes[n]])));
    expect(JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"))).toStrictEqual(manifest);
    expect(await sha256sumDir(dir, REQUIRED_CNI)).toStrictEqual(manifest.files);
    // Copies, never links: a binary rebuilt in place at its source must not change the cache.
    for (const n of REQUIRED_CNI) {
      const [source, cached] = [await modeOf(join(REAL_CNI, n)), await modeOf(join(dir, n))];
      expect(cached.dev === source.dev && cached.ino === source.ino, `${n} is a separate file`).toBe(false);
    }
    expect(await listTree(cache.root)).toStrictEqual(["cni-plugins", "cni-plugins/v1.1.1", ...[...REQUIRED_CNI, "manifest.json"].sort().map((f) => `cni-plugins/v1.1.1/${f}`)]);
  });

  it("replaces a stored version whole", async () => {
    const cache = await freshCache();
    await cache.store("cni-plugins", "v1.1.1", cniFiles([...REQUIRED_CNI, "tuning"]), "first");
    const second = await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI), "second");
    expect((await readdir(cache.dir("cni-plugins", "v1.1.1"))).sort()).toStrictEqual([...REQUIRED_CNI, "manifest.json"].sort());
    expect(await cache.manifest("cni-plugins", "v1.1.1")).toStrictEqual(second);
    expect(second.source).toBe("second");
  });

  it("keeps a stored version that already holds exactly these files: running labs share its folder", async () => {
    const cache = await freshCache();
    const first = await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI), "first");
    const before = await modeOf(cache.dir("cni-plugins", "v1.1.1"));
    const again = await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI), "again");
    expect(again).toStrictEqual(first);
    // The very same folder (a bind mount of it in a running node stays whole).
    const after = await modeOf(cache.dir("cni-plugins", "v1.1.1"));
    expect([after.dev, after.ino]).toEqual([before.dev, before.ino]);
  });

  it("keeps versions apart", async () => {
    const cache = await freshCache();
    await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI), "a");
    await cache.store("cni-plugins", "v0.9.1", cniFiles([...REQUIRED_CNI, "tuning"]), "b");
    expect(Object.keys((await cache.manifest("cni-plugins", "v1.1.1"))?.files ?? {})).toHaveLength(4);
    expect(Object.keys((await cache.manifest("cni-plugins", "v0.9.1"))?.files ?? {})).toHaveLength(5);
    expect(await cache.manifest("cni-plugins", "v1.2.0")).toBeUndefined();
  });

  it("counts only complete, readable manifests", async () => {
    const cache = await freshCache();
    expect(await cache.manifest("etcd", "v3.4.23")).toBeUndefined();
    // A version stored without every binary the component needs is not usable.
    await cache.store("etcd", "v3.4.23", new Map([["etcd", join(REAL_BIN, "etcd")]]), "partial");
    expect(await cache.manifest("etcd", "v3.4.23")).toBeUndefined();
    await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI.slice(0, 3)), "partial");
    expect(await cache.manifest("cni-plugins", "v1.1.1")).toBeUndefined();
    // A damaged manifest.
    const complete = await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI), "complete");
    expect(await cache.manifest("cni-plugins", "v1.1.1")).toStrictEqual(complete);
    await writeFile(join(cache.dir("cni-plugins", "v1.1.1"), "manifest.json"), '{"component": "cni-plugins", "files": {');
    expect(await cache.manifest("cni-plugins", "v1.1.1")).toBeUndefined();
  });

  it("leaves the previous copy and no temp folder when a store fails", async () => {
    const cache = await freshCache();
    const previous: CacheManifest = await cache.store("cni-plugins", "v1.1.1", cniFiles(REQUIRED_CNI), "previous");
    const files = cniFiles(REQUIRED_CNI);
    files.set("portmap", join(REAL_CNI, "no-such-plugin"));
    await expect(cache.store("cni-plugins", "v1.1.1", files, "broken")).rejects.toThrow(/no-such-plugin/);
    expect(await cache.manifest("cni-plugins", "v1.1.1")).toStrictEqual(previous);
    expect(await listTree(cache.root)).toStrictEqual(["cni-plugins", "cni-plugins/v1.1.1", ...[...REQUIRED_CNI, "manifest.json"].sort().map((f) => `cni-plugins/v1.1.1/${f}`)]);
  });
});
