/**
 * `lab artifacts import DIR` with the real test binaries: what lands in the cache (hashes checked
 * with `sha256sum`, copies rather than links, the sources untouched), and folders that are
 * incomplete, which must import nothing at all.
 */
import { chmod, copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ArtifactCache, type CacheManifest } from "../../src/artifacts/artifact-cache.js";
import { importArtifactDir } from "../../src/artifacts/import-dir.js";
import {
  artifactFolderLike,
  describeWithArtifacts,
  ETCD_BINARIES,
  KUBERNETES_BINARIES,
  listTree,
  modeOf,
  REAL_BIN,
  REAL_CNI,
  sha256sumDir,
  TEST_ARTIFACTS,
  tempDirsOfThisFile, userError,
} from "./support.js";

const temp = tempDirsOfThisFile();


describe("importArtifactDir: not a folder", () => {
  it("refuses a path that does not exist, with a hint describing the folder", async () => {
    const root = await temp("cache");
    const missing = join(root, "no-such-folder");
    const error = await userError(importArtifactDir(missing, new ArtifactCache(join(root, "artifacts"))));
    expect(error.message).toBe(`failed to import artifacts: ${missing} is not a folder`);
    expect(error.hint).toMatch(/bin\/.*cni\/.*VERSIONS/);
    expect(await listTree(join(root, "artifacts"))).toStrictEqual([]);
  });

  it("refuses a file", async () => {
    const root = await temp("cache");
    const file = join(root, "VERSIONS");
    await writeFile(file, "kubernetes v1.20.2\n");
    const error = await userError(importArtifactDir(file, new ArtifactCache(join(root, "artifacts"))));
    expect(error.message).toContain(`${file} is not a folder`);
    expect(error.hint).toContain("VERSIONS");
  });

  it("refuses an empty folder: it holds none", async () => {
    const root = await temp("cache");
    const empty = join(root, "empty");
    await mkdir(empty);
    const error = await userError(importArtifactDir(empty, new ArtifactCache(join(root, "artifacts"))));
    expect(error.message).toBe(`failed to import artifacts from ${empty}: it holds none`);
    expect(error.hint).toContain('"kubernetes v1.20.2"');
    expect(await listTree(join(root, "artifacts"))).toStrictEqual([]);
  });
});

describeWithArtifacts("importArtifactDir with the real test binaries", () => {
  let cacheRoot: string;
  let cache: ArtifactCache;
  let imported: CacheManifest[];
  let binHashes: Record<string, string>;
  let cniHashes: Record<string, string>;
  let cniNames: string[];
  let sourceModes: Map<string, { mode: number; ino: number; dev: number }>;

  async function modesOfSources(): Promise<Map<string, { mode: number; ino: number; dev: number }>> {
    const out = new Map<string, { mode: number; ino: number; dev: number }>();
    for (const name of [...KUBERNETES_BINARIES, ...ETCD_BINARIES]) out.set(join(REAL_BIN, name), await modeOf(join(REAL_BIN, name)));
    for (const name of cniNames) out.set(join(REAL_CNI, name), await modeOf(join(REAL_CNI, name)));
    return out;
  }

  beforeAll(async () => {
    cniNames = (await readdir(REAL_CNI)).sort();
    binHashes = await sha256sumDir(REAL_BIN, [...KUBERNETES_BINARIES, ...ETCD_BINARIES]);
    cniHashes = await sha256sumDir(REAL_CNI, cniNames);
    sourceModes = await modesOfSources();
    cacheRoot = join(await temp("cache"), "artifacts");
    cache = new ArtifactCache(cacheRoot);
    imported = await importArtifactDir(TEST_ARTIFACTS, cache);
  });

  it("imports the three components with normalised versions and the folder as source", () => {
    expect(imported.map((m) => [m.component, m.version, m.source])).toStrictEqual([
      ["kubernetes", "v1.20.2", `import ${TEST_ARTIFACTS}`],
      ["etcd", "v3.4.23", `import ${TEST_ARTIFACTS}`],
      ["cni-plugins", "v1.1.1", `import ${TEST_ARTIFACTS}`],
    ]);
    for (const m of imported) expect(Number.isNaN(Date.parse(m.storedAt))).toBe(false);
  });

  it("records the sha256sum of every source file in the manifests", () => {
    const byComponent = Object.fromEntries(imported.map((m) => [m.component, m.files]));
    expect(byComponent.kubernetes).toStrictEqual(Object.fromEntries(KUBERNETES_BINARIES.map((b) => [b, binHashes[b]])));
    expect(byComponent.etcd).toStrictEqual(Object.fromEntries(ETCD_BINARIES.map((b) => [b, binHashes[b]])));
    // Every CNI plugin is kept, not only the four a lab needs.
    expect(Object.keys(byComponent["cni-plugins"] ?? {}).sort()).toStrictEqual(cniNames);
    expect(cniNames.length).toBeGreaterThan(4);
    expect(byComponent["cni-plugins"]).toStrictEqual(cniHashes);
  });

  it("lays the cache out as component/version folders with the files and a manifest.json, nothing else", async () => {
    expect(await listTree(cacheRoot)).toStrictEqual(
      [
        "cni-plugins",
        "cni-plugins/v1.1.1",
        "cni-plugins/v1.1.1/manifest.json",
        ...cniNames.map((n) => `cni-plugins/v1.1.1/${n}`),
        "etcd",
        "etcd/v3.4.23",
        "etcd/v3.4.23/manifest.json",
        ...ETCD_BINARIES.map((b) => `etcd/v3.4.23/${b}`),
        "kubernetes",
        "kubernetes/v1.20.2",
        "kubernetes/v1.20.2/manifest.json",
        ...KUBERNETES_BINARIES.map((b) => `kubernetes/v1.20.2/${b}`),
      ].sort(),
    );
    for (const m of imported) {
      const onDisk = JSON.parse(await readFile(join(cache.dir(m.component, m.version), "manifest.json"), "utf8")) as CacheManifest;
      expect(onDisk).toStrictEqual(m);
      expect(await cache.manifest(m.component, m.version)).toStrictEqual(m);
    }
  });

  it("holds files whose sha256sum matches the manifest", async () => {
    for (const m of imported) {
      expect(await sha256sumDir(cache.dir(m.component, m.version), Object.keys(m.files))).toStrictEqual(m.files);
    }
  });

  it("stores copies of the binaries, executable, never links to the sources", async () => {
    for (const [source, before] of sourceModes) {
      const component = source.startsWith(REAL_CNI) ? "cni-plugins" : KUBERNETES_BINARIES.some((b) => source.endsWith(`/${b}`)) ? "kubernetes" : "etcd";
      const version = { kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1" }[component];
      const cached = await modeOf(join(cache.dir(component, version), source.split("/").pop()!));
      expect(cached.dev === before.dev && cached.ino === before.ino, `${source} is a copy`).toBe(false);
      expect(cached.mode & 0o111, `${source} is executable in the cache`).toBe(0o111);
    }
  });

  it("leaves the sources' modes (and inodes) as they were", async () => {
    expect(await modesOfSources()).toStrictEqual(sourceModes);
  });

  it("imports again in place of the previous copy, with the same manifests and no leftovers", async () => {
    const again = await importArtifactDir(TEST_ARTIFACTS, cache);
    expect(again.map((m) => m.files)).toStrictEqual(imported.map((m) => m.files));
    expect((await listTree(cacheRoot)).filter((p) => p.includes(".tmp-") || p.includes(".download-"))).toStrictEqual([]);
    expect(await modesOfSources()).toStrictEqual(sourceModes);
  });

  it("copies a source that is not executable, makes the copy executable and leaves the source's mode alone", async () => {
    const dir = await temp("artifacts-noexec");
    await mkdir(join(dir, "cni"));
    for (const name of ["bridge", "host-local", "loopback", "portmap"]) await copyFile(join(REAL_CNI, name), join(dir, "cni", name));
    await chmod(join(dir, "cni", "bridge"), 0o644);
    await chmod(join(dir, "cni", "loopback"), 0o755);
    await writeFile(join(dir, "VERSIONS"), "cni-plugins 1.1.1+ds1-3+b5\n");
    const otherCache = new ArtifactCache(join(await temp("cache"), "artifacts"));

    const [manifest, ...rest] = await importArtifactDir(dir, otherCache);
    expect(rest).toStrictEqual([]);
    expect(manifest?.component).toBe("cni-plugins");
    expect(manifest?.files).toStrictEqual(await sha256sumDir(join(dir, "cni")));

    const source = await modeOf(join(dir, "cni", "bridge"));
    const cached = await modeOf(join(otherCache.dir("cni-plugins", "v1.1.1"), "bridge"));
    expect(source.mode).toBe(0o644);
    expect(cached.ino).not.toBe(source.ino);
    expect(cached.mode).toBe(0o755);
    // The executable one is a copy too.
    expect((await modeOf(join(otherCache.dir("cni-plugins", "v1.1.1"), "loopback"))).ino).not.toBe((await modeOf(join(dir, "cni", "loopback"))).ino);
  });

  it("stores the binaries, not links to them, when the folder holds symlinks", async () => {
    // Folders are often assembled from symlinks to build outputs: a relative link must not be
    // copied as a link (it would point nowhere from the cache), nor an absolute one (the cache
    // would break when the build output is cleaned).
    const dir = await temp("artifacts-symlinks");
    await mkdir(join(dir, "cni"));
    await mkdir(join(dir, "real"));
    for (const name of ["bridge", "host-local", "loopback", "portmap"]) await copyFile(join(REAL_CNI, name), join(dir, "real", name));
    await symlink("../real/bridge", join(dir, "cni", "bridge"));
    await symlink("../real/host-local", join(dir, "cni", "host-local"));
    await symlink(join(dir, "real", "loopback"), join(dir, "cni", "loopback"));
    await symlink(join(dir, "real", "portmap"), join(dir, "cni", "portmap"));
    await writeFile(join(dir, "VERSIONS"), "cni-plugins v1.1.1\n");
    const otherRoot = join(await temp("cache"), "artifacts");
    const otherCache = new ArtifactCache(otherRoot);

    const [manifest] = await importArtifactDir(dir, otherCache);
    expect(manifest?.files).toStrictEqual(await sha256sumDir(join(dir, "real")));
    await rm(join(dir, "real"), { recursive: true });
    expect(await sha256sumDir(otherCache.dir("cni-plugins", "v1.1.1"), ["bridge", "host-local", "loopback", "portmap"])).toStrictEqual(manifest?.files);
    expect(await listTree(otherRoot)).not.toContainEqual(expect.stringContaining(".tmp-"));
  });
});

describeWithArtifacts("importArtifactDir with an incomplete folder", () => {
  it("names every problem (missing binaries of two components, a missing VERSIONS line) and stores nothing", async () => {
    const dir = await artifactFolderLike({ omit: ["kubelet", "kube-proxy", "etcdctl"], versions: "kubernetes v1.20.2\netcd 3.4.23\n" });
    temp.track(dir);
    const root = join(await temp("cache"), "artifacts");
    const error = await userError(importArtifactDir(dir, new ArtifactCache(root)));
    expect(error.message).toContain(`failed to import artifacts from ${dir}: `);
    expect(error.message).toContain(`Kubernetes: ${join(dir, "bin")} lacks kubelet, kube-proxy`);
    expect(error.message).toContain(`etcd: ${join(dir, "bin")} lacks etcdctl`);
    expect(error.message).toContain(`CNI plugins: ${join(dir, "VERSIONS")} has no "cni-plugins <version>" line`);
    expect(error.hint).toContain("VERSIONS");
    expect(await listTree(root)).toStrictEqual([]);
  });

  it("names every component a folder without VERSIONS lacks a version for, and stores nothing", async () => {
    const dir = await artifactFolderLike({ versions: undefined });
    temp.track(dir);
    const root = join(await temp("cache"), "artifacts");
    const error = await userError(importArtifactDir(dir, new ArtifactCache(root)));
    for (const [title, component] of [
      ["Kubernetes", "kubernetes"],
      ["etcd", "etcd"],
      ["CNI plugins", "cni-plugins"],
    ]) {
      expect(error.message).toContain(`${title}: ${join(dir, "VERSIONS")} has no "${component} <version>" line`);
    }
    expect(await listTree(root)).toStrictEqual([]);
  });

  it("stores nothing when only one component has a problem", async () => {
    const dir = await artifactFolderLike({ omit: ["portmap"], versions: "kubernetes v1.20.2\netcd 3.4.23\ncni-plugins 1.1.1\n" });
    temp.track(dir);
    const root = join(await temp("cache"), "artifacts");
    const error = await userError(importArtifactDir(dir, new ArtifactCache(root)));
    expect(error.message).toMatch(/: CNI plugins: \S+\/cni lacks portmap$/);
    expect(await listTree(root)).toStrictEqual([]);
  });
});
