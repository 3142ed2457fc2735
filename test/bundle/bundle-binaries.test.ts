/**
 * The binaries of a bundle, against real files and a real artifact cache in a temporary folder:
 * hashes from the state for cached components (with the cache's record of where they came from),
 * hashed at export for a lab's own folder, a --with binary listed once as custom; on import, a
 * component version whose cached bits differ is named with both hashes, and the custom binaries
 * given again must be exactly those the lab ran.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ArtifactCache } from "../../src/artifacts/artifact-cache.js";
import { COMPONENT_BINARIES } from "../../src/artifacts/components.js";
import { sha256File } from "../../src/artifacts/file-hash.js";
import type { ArtifactSource } from "../../src/artifacts/resolve-artifacts.js";
import { cacheMismatches, importedCustomBinaries, recordedBinaries } from "../../src/bundle/bundle-binaries.js";
import { UserError } from "../../src/errors.js";
import { scratchDir } from "../scratch-dir.js";

let dir: string;
let cache: ArtifactCache;
let sources: ArtifactSource[];
let custom: string;

/** Writes an executable file holding `text`; resolves with its path. */
async function binary(folder: string, name: string, text: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, name);
  await writeFile(path, `#!/bin/sh\necho ${text}\n`);
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  dir = await scratchDir("kubelab-bundle-binaries-");
  cache = new ArtifactCache(join(dir, "cache"));
  const k8s = new Map<string, string>();
  for (const b of COMPONENT_BINARIES.kubernetes) k8s.set(b, await binary(join(dir, "k8s"), b, `${b} v1.20.2`));
  const stored = await cache.store("kubernetes", "v1.20.2", k8s, `import ${join(dir, "k8s")}`);
  for (const b of COMPONENT_BINARIES.etcd) await binary(join(dir, "own", "bin"), b, `${b} v3.4.23`);
  custom = await binary(join(dir, "built"), "kube-apiserver", "patched");
  sources = [
    { component: "kubernetes", version: "v1.20.2", from: "cache", path: cache.dir("kubernetes", "v1.20.2"), sha256: stored.files },
    { component: "etcd", version: "v3.4.23", from: "dir", path: join(dir, "own", "bin") },
    { component: "kubernetes", binary: "kube-apiserver", version: "custom", from: "custom", path: custom, sha256: await sha256File(custom) },
  ];
});

describe("recordedBinaries", () => {
  it("lists every binary once with its version, source and SHA-256", async () => {
    const { binaries, custom: customs } = await recordedBinaries(sources, cache);
    expect(customs).toEqual([{ name: "kube-apiserver", component: "kubernetes", sha256: await sha256File(custom) }]);
    expect(binaries.map((b) => `${b.name} ${b.version} ${b.from}`)).toEqual([
      "kube-apiserver custom custom",
      "kube-controller-manager v1.20.2 cache",
      "kube-proxy v1.20.2 cache",
      "kube-scheduler v1.20.2 cache",
      "kubectl v1.20.2 cache",
      "kubelet v1.20.2 cache",
      "etcd v3.4.23 dir",
      "etcdctl v3.4.23 dir",
    ]);
    for (const b of binaries) {
      const path = b.from === "custom" ? custom : b.from === "dir" ? join(dir, "own", "bin", b.name) : join(cache.dir("kubernetes", "v1.20.2"), b.name);
      expect(b.sha256, b.name).toBe(await sha256File(path));
    }
    expect(binaries.find((b) => b.name === "kubelet")!.source).toBe(`import ${join(dir, "k8s")}`);
    expect(binaries.find((b) => b.name === "etcd")!.source).toBe(`artifacts.dir ${join(dir, "own", "bin")}`);
    expect(binaries[0]!.source).toBe(`--with ${custom}`);
  });
});

describe("cacheMismatches", () => {
  it("names each binary whose cached bits differ from those the bundle's lab ran, and nothing else", async () => {
    const { binaries } = await recordedBinaries(sources, cache);
    expect(await cacheMismatches(binaries, cache)).toEqual([]);
    const other = binaries.map((b) => (b.name === "kubelet" ? { ...b, sha256: "0".repeat(64) } : b));
    const lines = await cacheMismatches(other, cache);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `kubelet v1.20.2: this host's cache (${cache.dir("kubernetes", "v1.20.2")}) holds sha256 ${await sha256File(join(cache.dir("kubernetes", "v1.20.2"), "kubelet"))}, the bundle's lab ran ${"0".repeat(64)}: the lab will not run the same bits`,
    );
    // etcd is not in this cache: it is downloaded and verified, nothing to compare.
    expect(lines.some((l) => l.startsWith("etcd"))).toBe(false);
  });
});

describe("importedCustomBinaries", () => {
  const refusal = async (given: Record<string, string>): Promise<UserError> => {
    const { custom: recorded } = await recordedBinaries(sources, cache);
    const error = await importedCustomBinaries(recorded, given).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    return error as UserError;
  };

  it("takes the very files the lab ran", async () => {
    const { custom: recorded } = await recordedBinaries(sources, cache);
    expect(await importedCustomBinaries(recorded, { "kube-apiserver": custom })).toEqual({ "kube-apiserver": custom });
    expect(await importedCustomBinaries([], {})).toEqual({});
  });

  it("refuses one missing (naming its hash), one with other content, one the lab did not replace", async () => {
    const hash = await sha256File(custom);
    const missing = await refusal({});
    expect(missing.message).toBe(`failed to import the lab: it ran custom binaries not given here: kube-apiserver (sha256 ${hash})`);
    expect(missing.hint).toMatch(/--with kube-apiserver=/);
    const other = await binary(join(dir, "other"), "kube-apiserver", "another build");
    const differs = await refusal({ "kube-apiserver": other });
    expect(differs.message).toBe(`failed to use --with kube-apiserver=${other}: its sha256 is ${await sha256File(other)}, the bundle's lab ran kube-apiserver with sha256 ${hash}`);
    expect((await refusal({ "kube-apiserver": join(dir, "nope") })).message).toMatch(/no such file$/);
    const extra = await refusal({ "kube-apiserver": custom, etcd: custom });
    expect(extra.message).toBe("failed to use --with etcd: the bundle's lab ran the release's etcd");
  });
});
