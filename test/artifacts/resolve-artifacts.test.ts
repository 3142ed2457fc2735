/**
 * Resolving a lab's binaries from the lab's own folder (artifacts.dir) or the cache, single binaries
 * replaced with --with, and the host paths nodes see. Uses the real test binaries; a mirror on a
 * closed port makes any download attempt fail loudly, so "no download happened" is checked too.
 */
import { chmod, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ArtifactCache } from "../../src/artifacts/artifact-cache.js";
import { importArtifactDir } from "../../src/artifacts/import-dir.js";
import { artifactShares, parseWith, resolveArtifacts, wantedVersions, type ResolvedArtifacts } from "../../src/artifacts/resolve-artifacts.js";
import { UserError } from "../../src/errors.js";
import {
  artifactFolderLike,
  closedPortUrl,
  describeWithArtifacts,
  ETCD_BINARIES,
  KUBERNETES_BINARIES,
  labPlan,
  REAL_BIN,
  REAL_CNI,
  sha256sum,
  sha256sumDir,
  TEST_ARTIFACTS,
  tempDirsOfThisFile, userError,
} from "./support.js";

const temp = tempDirsOfThisFile();


/** An executable shell script (a stand-in for a locally built binary). */
async function script(dir: string, name: string, mode = 0o755): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\necho "custom ${name}"\n`);
  await chmod(path, mode);
  return path;
}

const ALL_BINARIES = [...KUBERNETES_BINARIES, ...ETCD_BINARIES];
const REPLACEABLE = ALL_BINARIES.join(", ");

describe("parseWith", () => {
  it("reads NAME=PATH values, splitting at the first '='", () => {
    expect(parseWith([])).toStrictEqual({});
    expect(parseWith(["kube-apiserver=./_output/bin/kube-apiserver", "etcd=/opt/etcd=3.4/etcd"])).toStrictEqual({
      "kube-apiserver": "./_output/bin/kube-apiserver",
      etcd: "/opt/etcd=3.4/etcd",
    });
    expect(parseWith(["kubectl=/a", "kubectl=/b"])).toStrictEqual({ kubectl: "/b" });
  });

  for (const bad of ["kube-apiserver", "=./kube-apiserver", "kube-apiserver=", "="]) {
    it(`refuses "${bad}" with exit code 2`, () => {
      let caught: unknown;
      try {
        parseWith(["kubectl=/usr/bin/kubectl", bad]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UserError);
      const error = caught as UserError;
      expect(error.message).toBe(`failed to read --with ${bad}: expected NAME=PATH`);
      expect(error.exitCode).toBe(2);
      expect(error.hint).toContain("--with kube-apiserver=");
    });
  }
});

describe("wantedVersions", () => {
  it("takes the versions from the plan", () => {
    expect(wantedVersions(labPlan().plan)).toStrictEqual({ kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1" });
    expect(wantedVersions(labPlan({ kubernetesVersion: "v1.21.0", etcdVersion: "v3.4.13", cniVersion: "v0.9.1" }).plan)).toStrictEqual({
      kubernetes: "v1.21.0",
      etcd: "v3.4.13",
      "cni-plugins": "v0.9.1",
    });
  });
});

describe("artifactShares", () => {
  it("shares each binary at /usr/local/bin/<name> and the CNI folder at /opt/cni/bin", () => {
    const resolved: ResolvedArtifacts = {
      binaries: { "kube-apiserver": "/cache/kubernetes/v1.20.2/kube-apiserver", etcd: "/cache/etcd/v3.4.23/etcd", kubectl: "/home/me/kubectl" },
      cniDir: "/cache/cni-plugins/v1.1.1",
      sources: [],
    };
    expect(artifactShares(resolved)).toStrictEqual([
      { hostPath: "/cache/kubernetes/v1.20.2/kube-apiserver", nodePath: "/usr/local/bin/kube-apiserver" },
      { hostPath: "/cache/etcd/v3.4.23/etcd", nodePath: "/usr/local/bin/etcd" },
      { hostPath: "/home/me/kubectl", nodePath: "/usr/local/bin/kubectl" },
      { hostPath: "/cache/cni-plugins/v1.1.1", nodePath: "/opt/cni/bin" },
    ]);
  });
});

describeWithArtifacts("resolveArtifacts with artifacts.dir", () => {
  let offline: string;
  let cache: ArtifactCache;

  beforeAll(async () => {
    offline = `${await closedPortUrl()}/mirror`;
    cache = new ArtifactCache(join(await temp("cache"), "artifacts"));
  });

  it("uses the folder in place: binaries from its bin/, plugins from its cni/, relative to the lab's folder", async () => {
    const labDir = await temp("artifacts-lab");
    const { plan, artifacts } = labPlan({ dir: relative(labDir, TEST_ARTIFACTS), mirror: offline });
    const resolved = await resolveArtifacts(plan, artifacts, { cache, labDir });

    expect(resolved.binaries).toStrictEqual(Object.fromEntries(ALL_BINARIES.map((b) => [b, join(REAL_BIN, b)])));
    expect(resolved.cniDir).toBe(REAL_CNI);
    expect(resolved.sources).toStrictEqual([
      { component: "kubernetes", version: "v1.20.2", from: "dir", path: REAL_BIN },
      { component: "etcd", version: "v3.4.23", from: "dir", path: REAL_BIN },
      { component: "cni-plugins", version: "v1.1.1", from: "dir", path: REAL_CNI },
    ]);
    // Nothing was copied into the cache.
    expect(await cache.manifest("kubernetes", "v1.20.2")).toBeUndefined();

    expect(artifactShares(resolved)).toStrictEqual([
      ...ALL_BINARIES.map((b) => ({ hostPath: join(REAL_BIN, b), nodePath: `/usr/local/bin/${b}` })),
      { hostPath: REAL_CNI, nodePath: "/opt/cni/bin" },
    ]);
  });

  it("refuses a folder whose VERSIONS states another Kubernetes release than the lab's", async () => {
    const { plan, artifacts } = labPlan({ kubernetesVersion: "v1.21.0", dir: TEST_ARTIFACTS, mirror: offline });
    const error = await userError(resolveArtifacts(plan, artifacts, { cache }));
    expect(error.message).toBe(`failed to use artifacts.dir ${TEST_ARTIFACTS}: it holds Kubernetes v1.20.2, the lab wants v1.21.0`);
    expect(error.hint).toContain("v1.21.0");
  });

  it("refuses a folder whose VERSIONS states another etcd release than the lab's", async () => {
    const { plan, artifacts } = labPlan({ etcdVersion: "v3.4.13", dir: TEST_ARTIFACTS, mirror: offline });
    const error = await userError(resolveArtifacts(plan, artifacts, { cache }));
    expect(error.message).toBe(`failed to use artifacts.dir ${TEST_ARTIFACTS}: it holds etcd v3.4.23, the lab wants v3.4.13`);
  });

  it("names every binary a folder lacks", async () => {
    const dir = await artifactFolderLike({ omit: ["kube-proxy", "etcdctl", "portmap"], versions: "kubernetes v1.20.2\n" });
    temp.track(dir);
    const { plan, artifacts } = labPlan({ dir, mirror: offline });
    const error = await userError(resolveArtifacts(plan, artifacts, { cache }));
    expect(error.message).toBe(
      `failed to find the lab's binaries: Kubernetes in ${join(dir, "bin")}: kube-proxy; etcd in ${join(dir, "bin")}: etcdctl; CNI plugins in ${join(dir, "cni")}: portmap`,
    );
    expect(error.hint).toContain("artifacts.dir");
  });

  it("takes the lab's versions for components VERSIONS does not mention", async () => {
    const dir = await artifactFolderLike({ versions: "kubernetes v1.20.2\n" });
    temp.track(dir);
    const { plan, artifacts } = labPlan({ dir, mirror: offline });
    const resolved = await resolveArtifacts(plan, artifacts, { cache });
    expect(resolved.sources.map((s) => [s.component, s.version, s.from])).toStrictEqual([
      ["kubernetes", "v1.20.2", "dir"],
      ["etcd", "v3.4.23", "dir"],
      ["cni-plugins", "v1.1.1", "dir"],
    ]);
    expect(resolved.cniDir).toBe(join(dir, "cni"));
  });
});

describeWithArtifacts("resolveArtifacts from the cache", () => {
  let offline: string;
  let cache: ArtifactCache;
  let hashes: { kubernetes: Record<string, string>; etcd: Record<string, string>; "cni-plugins": Record<string, string> };

  beforeAll(async () => {
    offline = `${await closedPortUrl()}/mirror`;
    cache = new ArtifactCache(join(await temp("cache"), "artifacts"));
    await importArtifactDir(TEST_ARTIFACTS, cache);
    hashes = {
      kubernetes: await sha256sumDir(REAL_BIN, KUBERNETES_BINARIES),
      etcd: await sha256sumDir(REAL_BIN, ETCD_BINARIES),
      "cni-plugins": await sha256sumDir(REAL_CNI),
    };
  });

  it("uses the imported binaries, records their hashes, and downloads nothing", async () => {
    // The mirror is a closed port: a download attempt would fail the resolution.
    const { plan, artifacts } = labPlan({ mirror: offline });
    const resolved = await resolveArtifacts(plan, artifacts, { cache });
    expect(resolved.sources).toStrictEqual([
      { component: "kubernetes", version: "v1.20.2", from: "cache", path: cache.dir("kubernetes", "v1.20.2"), sha256: hashes.kubernetes },
      { component: "etcd", version: "v3.4.23", from: "cache", path: cache.dir("etcd", "v3.4.23"), sha256: hashes.etcd },
      { component: "cni-plugins", version: "v1.1.1", from: "cache", path: cache.dir("cni-plugins", "v1.1.1"), sha256: hashes["cni-plugins"] },
    ]);
    expect(resolved.binaries).toStrictEqual({
      ...Object.fromEntries(KUBERNETES_BINARIES.map((b) => [b, join(cache.dir("kubernetes", "v1.20.2"), b)])),
      ...Object.fromEntries(ETCD_BINARIES.map((b) => [b, join(cache.dir("etcd", "v3.4.23"), b)])),
    });
    expect(resolved.cniDir).toBe(cache.dir("cni-plugins", "v1.1.1"));
    const files = Object.values(resolved.binaries);
    const onDisk = await sha256sum(files);
    for (const [name, path] of Object.entries(resolved.binaries)) {
      expect(onDisk[path], name).toBe(hashes.kubernetes[name] ?? hashes.etcd[name]);
    }
  });

  it("does not take another version from the cache: it tries to download it and says how to provide it", async () => {
    const { plan, artifacts } = labPlan({ kubernetesVersion: "v1.21.0", mirror: offline });
    const error = await userError(resolveArtifacts(plan, artifacts, { cache }));
    expect(error.message).toMatch(/^failed to get the lab's binaries: Kubernetes v1\.21\.0 \(.*ECONNREFUSED.*\)$/);
    expect(error.hint).toContain("for Kubernetes v1.21.0 and the download failed");
    expect(error.hint).toContain("lab artifacts import DIR");
  });

  describe("--with", () => {
    it("replaces only the named binary and records its sha256", async () => {
      const dir = await temp("custom");
      const custom = await script(dir, "kube-apiserver");
      const { plan, artifacts } = labPlan({ mirror: offline });
      const resolved = await resolveArtifacts(plan, artifacts, { cache, with: { "kube-apiserver": custom } });

      expect(resolved.binaries["kube-apiserver"]).toBe(custom);
      for (const b of ALL_BINARIES.filter((n) => n !== "kube-apiserver")) {
        const folder = ETCD_BINARIES.includes(b) ? cache.dir("etcd", "v3.4.23") : cache.dir("kubernetes", "v1.20.2");
        expect(resolved.binaries[b], b).toBe(join(folder, b));
      }
      expect(Object.keys(resolved.binaries).sort()).toStrictEqual([...ALL_BINARIES].sort());
      expect(resolved.cniDir).toBe(cache.dir("cni-plugins", "v1.1.1"));
      expect(resolved.sources.map((s) => s.from)).toStrictEqual(["cache", "cache", "cache", "custom"]);
      expect(resolved.sources[3]).toStrictEqual({
        component: "kubernetes",
        binary: "kube-apiserver",
        version: "custom",
        from: "custom",
        path: custom,
        sha256: (await sha256sum([custom]))[custom],
      });
      expect(artifactShares(resolved)).toContainEqual({ hostPath: custom, nodePath: "/usr/local/bin/kube-apiserver" });
    });

    it("resolves a relative path against the working folder and works with artifacts.dir", async () => {
      const dir = await temp("custom");
      const custom = await script(dir, "etcdctl");
      const { plan, artifacts } = labPlan({ dir: TEST_ARTIFACTS });
      const resolved = await resolveArtifacts(plan, artifacts, { cache, with: { etcdctl: relative(process.cwd(), custom) } });
      expect(resolved.binaries.etcdctl).toBe(custom);
      expect(resolved.binaries.etcd).toBe(join(REAL_BIN, "etcd"));
      expect(resolved.sources.at(-1)).toMatchObject({ component: "etcd", binary: "etcdctl", from: "custom", path: custom });
    });

    it("refuses an unknown name with exit code 2 and lists the replaceable binaries, before any download", async () => {
      const empty = new ArtifactCache(join(await temp("cache"), "artifacts"));
      const { plan, artifacts } = labPlan({ mirror: offline });
      for (const name of ["kube-apiservr", "bridge"]) {
        const error = await userError(resolveArtifacts(plan, artifacts, { cache: empty, with: { [name]: "/bin/true" } }));
        expect(error.message).toBe(`failed to use --with ${name}: no such component`);
        expect(error.exitCode).toBe(2);
        expect(error.hint).toBe(`replaceable binaries: ${REPLACEABLE}`);
      }
    });

    it("refuses a file that does not exist, or a folder", async () => {
      const dir = await temp("custom");
      const { plan, artifacts } = labPlan({ mirror: offline });
      for (const path of [join(dir, "kubelet"), dir]) {
        const error = await userError(resolveArtifacts(plan, artifacts, { cache, with: { kubelet: path } }));
        expect(error.message).toBe(`failed to use --with kubelet=${path}: no such file`);
        expect(error.exitCode).toBe(2);
      }
    });

    it("refuses a file that is not executable, with the chmod to run", async () => {
      const dir = await temp("custom");
      const path = await script(dir, "kube-scheduler", 0o644);
      const { plan, artifacts } = labPlan({ mirror: offline });
      const error = await userError(resolveArtifacts(plan, artifacts, { cache, with: { "kube-scheduler": path } }));
      expect(error.message).toBe(`failed to use --with kube-scheduler=${path}: the file is not executable`);
      expect(error.hint).toBe(`chmod +x ${path}`);
      expect(error.exitCode).toBe(2);
    });

    it("checks every --with value before looking for the rest", async () => {
      // A bad --with fails even when the lab's other binaries could not be found either.
      const { plan, artifacts } = labPlan({ dir: join(await temp("empty-dir"), "nothing-here"), mirror: offline });
      const error = await userError(resolveArtifacts(plan, artifacts, { cache, with: { kubectl: "/no/such/kubectl" } }));
      expect(error.message).toBe("failed to use --with kubectl=/no/such/kubectl: no such file");
    });
  });
});
