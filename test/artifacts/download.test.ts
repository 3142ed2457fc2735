/**
 * Downloads through a real HTTP server on 127.0.0.1 serving a mirror of the release layout, built
 * from the real test binaries: Kubernetes binaries with bare-hash .sha256 files (dl.k8s.io style),
 * an etcd tarball made with `tar czf` holding etcd-vX-linux-amd64/{etcd,etcdctl,...} with a
 * SHA256SUMS file, and a CNI .tgz with a "hash  name" .sha256 (GitHub style). Expected hashes come
 * from `sha256sum`, not from the code under test.
 *
 * The Kubernetes binaries served are the real, full-size ones (~410 MB, hard-linked into the mirror
 * folder, not copied): the code path is the one smaller files would take, and on localhost a full
 * download takes a few seconds.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ArtifactCache } from "../../src/artifacts/artifact-cache.js";
import { downloadComponent } from "../../src/artifacts/download.js";
import { resolveArtifacts } from "../../src/artifacts/resolve-artifacts.js";
import { UserError } from "../../src/errors.js";
import {
  closedPortUrl,
  describeWithArtifacts,
  ETCD_BINARIES,
  KUBERNETES_BINARIES,
  labPlan,
  linkFile,
  listTree,
  modeOf,
  REAL_BIN,
  REAL_CNI,
  serveMirror,
  sha256sum,
  sha256sumDir,
  type TestMirror,
  tempDirsOfThisFile,
} from "./support.js";

const K8S = "v1.20.2";
const ETCD = "v3.4.23";
const CNI = "v1.1.1";
const K8S_PATH = `/mirror/kubernetes/${K8S}/bin/linux/amd64`;
const ETCD_TARBALL = `etcd-${ETCD}-linux-amd64.tar.gz`;
const ETCD_PATH = `/mirror/etcd/${ETCD}`;
const CNI_TARBALL = `cni-plugins-linux-amd64-${CNI}.tgz`;
const CNI_PATH = `/mirror/cni-plugins/${CNI}`;

interface Progress {
  message: string;
  done: number | undefined;
  total: number | undefined;
}

const temp = tempDirsOfThisFile();

/** A cache in a fresh temp folder (the root itself does not exist yet). */
async function freshCache(): Promise<ArtifactCache> {
  return new ArtifactCache(join(await temp("cache"), "artifacts"));
}

/** What `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describeWithArtifacts("downloads through a local HTTP mirror", () => {
  let served: string;
  let server: TestMirror;
  let mirror: string;
  let binHashes: Record<string, string>;
  let cniNames: string[];
  let cniHashes: Record<string, string>;
  let etcdTarballHash: string;

  /** etcd: the release tarball's layout (one folder; docs next to the binaries) and SHA256SUMS. */
  async function buildEtcdRelease(work: string): Promise<void> {
    const stage = join(work, `etcd-${ETCD}-linux-amd64`);
    for (const bin of ETCD_BINARIES) await linkFile(join(REAL_BIN, bin), join(stage, bin));
    await mkdir(join(stage, "Documentation"));
    await writeFile(join(stage, "README.md"), "# etcd\n");
    await writeFile(join(stage, "Documentation", "dev-guide.md"), "# guide\n");
    const etcdDir = join(served, ETCD_PATH);
    await mkdir(etcdDir, { recursive: true });
    await execa("tar", ["czf", join(etcdDir, ETCD_TARBALL), "-C", work, `etcd-${ETCD}-linux-amd64`]);
    etcdTarballHash = (await sha256sum([join(etcdDir, ETCD_TARBALL)]))[join(etcdDir, ETCD_TARBALL)]!;
    const otherHash = "ab".repeat(32);
    await writeFile(
      join(etcdDir, "SHA256SUMS"),
      [`${otherHash}  etcd-${ETCD}-darwin-amd64.zip`, `${etcdTarballHash}  ${ETCD_TARBALL}`, `${otherHash}  etcd-${ETCD}-linux-arm64.tar.gz`, ""].join("\n"),
    );
  }

  /** CNI plugins: "./bridge", "./host-local", ... like the upstream tarball, and `sha256sum` output. */
  async function buildCniRelease(): Promise<void> {
    const cniDir = join(served, CNI_PATH);
    await mkdir(cniDir, { recursive: true });
    await execa("tar", ["czf", join(cniDir, CNI_TARBALL), "-C", REAL_CNI, "."]);
    const { stdout } = await execa("sha256sum", [CNI_TARBALL], { cwd: cniDir });
    await writeFile(join(cniDir, `${CNI_TARBALL}.sha256`), `${stdout}\n`);
  }

  beforeAll(async () => {
    served = await temp("mirror");
    const work = await temp("mirror-work");
    cniNames = (await readdir(REAL_CNI)).sort();
    // Hashing ~500 MB and compressing two tarballs: side by side.
    await Promise.all([
      sha256sumDir(REAL_BIN, [...KUBERNETES_BINARIES, ...ETCD_BINARIES]).then((h) => (binHashes = h)),
      sha256sumDir(REAL_CNI, cniNames).then((h) => (cniHashes = h)),
      buildEtcdRelease(work),
      buildCniRelease(),
    ]);

    // Kubernetes: each binary with a .sha256 holding the bare hash.
    const k8sDir = join(served, K8S_PATH);
    await mkdir(k8sDir, { recursive: true });
    for (const bin of KUBERNETES_BINARIES) {
      await linkFile(join(REAL_BIN, bin), join(k8sDir, bin));
      await writeFile(join(k8sDir, `${bin}.sha256`), `${binHashes[bin]}\n`);
    }

    server = await serveMirror(served);
    mirror = `${server.url}/mirror`;
  });

  afterAll(async () => {
    await server?.close();
  });

  it("downloads the Kubernetes binaries into the cache, verified, executable, with progress", async () => {
    const cache = await freshCache();
    const progress: Progress[] = [];
    server.requests.length = 0;
    const manifest = await downloadComponent("kubernetes", K8S, {
      cache,
      mirror,
      onProgress: (message, done, total) => progress.push({ message, done, total }),
    });

    const expected = Object.fromEntries(KUBERNETES_BINARIES.map((b) => [b, binHashes[b]]));
    expect(manifest.files).toStrictEqual(expected);
    expect(manifest.source).toBe(`download ${mirror}/kubernetes/${K8S}`);
    expect([manifest.component, manifest.version]).toStrictEqual(["kubernetes", K8S]);
    expect(await cache.manifest("kubernetes", K8S)).toStrictEqual(manifest);
    const dir = cache.dir("kubernetes", K8S);
    expect(await sha256sumDir(dir, KUBERNETES_BINARIES)).toStrictEqual(expected);
    for (const bin of KUBERNETES_BINARIES) expect((await modeOf(join(dir, bin))).mode & 0o755, bin).toBe(0o755);

    // Each checksum is fetched before its binary.
    expect(server.requests).toStrictEqual(KUBERNETES_BINARIES.flatMap((b) => [`${K8S_PATH}/${b}.sha256`, `${K8S_PATH}/${b}`]));

    // Progress: per binary, non-decreasing, ending at the full size the server announced.
    for (const bin of KUBERNETES_BINARIES) {
      const calls = progress.filter((p) => p.message === `Kubernetes ${K8S}: ${bin}`);
      const size = (await stat(join(REAL_BIN, bin))).size;
      expect(calls.length, bin).toBeGreaterThanOrEqual(1);
      expect(calls.at(-1), bin).toStrictEqual({ message: `Kubernetes ${K8S}: ${bin}`, done: size, total: size });
      const dones = calls.map((c) => c.done ?? -1);
      expect(dones).toStrictEqual([...dones].sort((a, b) => a - b));
    }
    expect(progress.every((p) => p.message.startsWith(`Kubernetes ${K8S}: `))).toBe(true);

    // Only the component folder is left: no download or temp folders.
    expect(await listTree(cache.root)).toStrictEqual(
      ["kubernetes", `kubernetes/${K8S}`, `kubernetes/${K8S}/manifest.json`, ...KUBERNETES_BINARIES.map((b) => `kubernetes/${K8S}/${b}`)].sort(),
    );
  });

  it("downloads the etcd tarball, checks it against SHA256SUMS and caches etcd and etcdctl only", async () => {
    const cache = await freshCache();
    const progress: Progress[] = [];
    const manifest = await downloadComponent("etcd", ETCD, { cache, mirror, onProgress: (message, done, total) => progress.push({ message, done, total }) });

    expect(manifest.files).toStrictEqual({ etcd: binHashes.etcd, etcdctl: binHashes.etcdctl });
    expect(manifest.source).toBe(`download ${mirror}/etcd/${ETCD}`);
    const dir = cache.dir("etcd", ETCD);
    expect((await readdir(dir)).sort()).toStrictEqual(["etcd", "etcdctl", "manifest.json"]);
    expect(await sha256sumDir(dir, ETCD_BINARIES)).toStrictEqual(manifest.files);
    for (const bin of ETCD_BINARIES) expect((await modeOf(join(dir, bin))).mode & 0o755, bin).toBe(0o755);
    const tarballSize = (await stat(join(served, ETCD_PATH, ETCD_TARBALL))).size;
    expect(progress.at(-1)).toStrictEqual({ message: `etcd ${ETCD}: ${ETCD_TARBALL}`, done: tarballSize, total: tarballSize });
    expect(await listTree(cache.root)).toStrictEqual(["etcd", `etcd/${ETCD}`, ...["etcd", "etcdctl", "manifest.json"].map((f) => `etcd/${ETCD}/${f}`)]);
  });

  it("downloads the CNI tarball, checks its .sha256 and caches every plugin", async () => {
    const cache = await freshCache();
    const progress: Progress[] = [];
    const manifest = await downloadComponent("cni-plugins", CNI, { cache, mirror, onProgress: (message, done, total) => progress.push({ message, done, total }) });

    expect(manifest.files).toStrictEqual(cniHashes);
    expect(manifest.source).toBe(`download ${mirror}/cni-plugins/${CNI}`);
    const dir = cache.dir("cni-plugins", CNI);
    expect(await sha256sumDir(dir, cniNames)).toStrictEqual(cniHashes);
    for (const name of cniNames) expect((await modeOf(join(dir, name))).mode & 0o755, name).toBe(0o755);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.every((p) => p.message === `CNI plugins ${CNI}: ${CNI_TARBALL}`)).toBe(true);
    expect((await listTree(cache.root)).filter((p) => !p.startsWith(`cni-plugins/${CNI}/`))).toStrictEqual(["cni-plugins", `cni-plugins/${CNI}`]);
  });

  it("refuses a binary whose hash differs from the published one, names both hashes and caches nothing", async () => {
    const cache = await freshCache();
    const published = binHashes.etcdctl!;
    server.overrides.set(`${K8S_PATH}/kube-apiserver.sha256`, { body: `${published}\n` });
    try {
      const error = await rejection(downloadComponent("kubernetes", K8S, { cache, mirror }));
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toBe(
        `failed to verify ${mirror}/kubernetes/${K8S}/bin/linux/amd64/kube-apiserver: its SHA-256 is ${binHashes["kube-apiserver"]}, the published one is ${published}`,
      );
      expect((error as UserError).hint).toContain("nothing was cached");
    } finally {
      server.overrides.clear();
    }
    // The root exists (downloads are staged in it) but holds nothing: no folder, no leftovers.
    expect(await readdir(cache.root)).toStrictEqual([]);
    expect(await cache.manifest("kubernetes", K8S)).toBeUndefined();
  });

  it("refuses an etcd tarball that does not match SHA256SUMS", async () => {
    const cache = await freshCache();
    const published = "cd".repeat(32);
    server.overrides.set(`${ETCD_PATH}/SHA256SUMS`, { body: `${published}  ${ETCD_TARBALL}\n` });
    try {
      const error = await rejection(downloadComponent("etcd", ETCD, { cache, mirror }));
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toContain(etcdTarballHash);
      expect(error.message).toContain(published);
    } finally {
      server.overrides.clear();
    }
    expect(await readdir(cache.root)).toStrictEqual([]);
  });

  it("fails when SHA256SUMS lists no checksum for the tarball", async () => {
    const cache = await freshCache();
    server.overrides.set(`${ETCD_PATH}/SHA256SUMS`, { body: `${"ab".repeat(32)}  etcd-${ETCD}-darwin-amd64.zip\n` });
    try {
      const error = await rejection(downloadComponent("etcd", ETCD, { cache, mirror }));
      expect(error.message).toBe(`${mirror}/etcd/${ETCD}/SHA256SUMS lists no checksum for ${ETCD_TARBALL}`);
    } finally {
      server.overrides.clear();
    }
    expect(await readdir(cache.root)).toStrictEqual([]);
  });

  it("fails when the tarball lacks the binaries", async () => {
    const work = await temp("etcd-partial");
    const stage = join(work, `etcd-${ETCD}-linux-amd64`);
    await mkdir(join(stage, "Documentation"), { recursive: true });
    await writeFile(join(stage, "README.md"), "# etcd\n");
    await writeFile(join(stage, "Documentation", "dev-guide.md"), "# guide\n");
    await execa("tar", ["czf", join(work, ETCD_TARBALL), "-C", work, `etcd-${ETCD}-linux-amd64`]);
    const tarball = await readFile(join(work, ETCD_TARBALL));
    const hash = (await sha256sum([join(work, ETCD_TARBALL)]))[join(work, ETCD_TARBALL)]!;
    const cache = await freshCache();
    server.overrides.set(`${ETCD_PATH}/${ETCD_TARBALL}`, { body: tarball });
    server.overrides.set(`${ETCD_PATH}/SHA256SUMS`, { body: `${hash}  ${ETCD_TARBALL}\n` });
    try {
      const error = await rejection(downloadComponent("etcd", ETCD, { cache, mirror }));
      expect(error.message).toBe("the release has no etcd, etcdctl");
    } finally {
      server.overrides.clear();
    }
    expect(await readdir(cache.root)).toStrictEqual([]);
  });

  it("names the URL of a binary the mirror answers 404 for, and caches none of the others", async () => {
    const cache = await freshCache();
    // The second binary: kube-apiserver is downloaded (and verified) before it.
    server.requests.length = 0;
    server.overrides.set(`${K8S_PATH}/kube-controller-manager`, { status: 404 });
    try {
      const error = await rejection(downloadComponent("kubernetes", K8S, { cache, mirror }));
      expect(error.message).toBe(`${mirror}/kubernetes/${K8S}/bin/linux/amd64/kube-controller-manager: HTTP 404`);
      expect(server.requests).toContain(`${K8S_PATH}/kube-apiserver`);
    } finally {
      server.overrides.clear();
    }
    expect(await readdir(cache.root)).toStrictEqual([]);
  });

  it("names the URL of a checksum file the mirror lacks", async () => {
    const cache = await freshCache();
    server.overrides.set(`${CNI_PATH}/${CNI_TARBALL}.sha256`, { status: 404 });
    try {
      const error = await rejection(downloadComponent("cni-plugins", CNI, { cache, mirror }));
      expect(error.message).toBe(`${mirror}/cni-plugins/${CNI}/${CNI_TARBALL}.sha256: HTTP 404`);
    } finally {
      server.overrides.clear();
    }
    expect(await readdir(cache.root)).toStrictEqual([]);
  });

  it("names the URL when nothing listens, and resolveArtifacts then throws one error naming every component and the ways out", async () => {
    const closed = `${await closedPortUrl()}/mirror`;
    const cache = await freshCache();
    const error = await rejection(downloadComponent("etcd", ETCD, { cache, mirror: closed }));
    expect(error.message).toMatch(new RegExp(`^${literal(`${closed}/etcd/${ETCD}/SHA256SUMS`)}: .*ECONNREFUSED`));
    expect(await readdir(cache.root)).toStrictEqual([]);

    const { plan, artifacts } = labPlan({ mirror: closed });
    const resolved = await rejection(resolveArtifacts(plan, artifacts, { cache }));
    expect(resolved).toBeInstanceOf(UserError);
    const message = resolved.message;
    expect(message).toMatch(/^failed to get the lab's binaries: /);
    expect(message).toContain(`Kubernetes ${K8S} (${closed}/kubernetes/${K8S}/bin/linux/amd64/kube-apiserver.sha256: `);
    expect(message).toContain(`etcd ${ETCD} (${closed}/etcd/${ETCD}/SHA256SUMS: `);
    expect(message).toContain(`CNI plugins ${CNI} (${closed}/cni-plugins/${CNI}/${CNI_TARBALL}.sha256: `);
    expect(message.match(/ECONNREFUSED/g)).toHaveLength(3);
    const hint = (resolved as UserError).hint ?? "";
    expect(hint).toContain(`nothing is cached in ${cache.root} for Kubernetes ${K8S}, etcd ${ETCD}, CNI plugins ${CNI}`);
    expect(hint).toContain("lab artifacts import");
    expect(hint).toContain("artifacts: { dir");
    expect(hint).toContain("artifacts: { mirror");
    expect(await readdir(cache.root)).toStrictEqual([]);
  });

  it("resolveArtifacts takes what the cache holds and downloads only the rest, then nothing more", async () => {
    const cache = await freshCache();
    await cache.store("kubernetes", K8S, new Map(KUBERNETES_BINARIES.map((b) => [b, join(REAL_BIN, b)])), "import test");
    const { plan, artifacts } = labPlan({ mirror });
    const progress: string[] = [];
    server.requests.length = 0;

    const first = await resolveArtifacts(plan, artifacts, { cache, onProgress: (message) => progress.push(message) });
    expect(first.sources.map((s) => [s.component, s.version, s.from, s.path])).toStrictEqual([
      ["kubernetes", K8S, "cache", cache.dir("kubernetes", K8S)],
      ["etcd", ETCD, "download", cache.dir("etcd", ETCD)],
      ["cni-plugins", CNI, "download", cache.dir("cni-plugins", CNI)],
    ]);
    expect(first.sources.map((s) => s.sha256)).toStrictEqual([
      Object.fromEntries(KUBERNETES_BINARIES.map((b) => [b, binHashes[b]])),
      { etcd: binHashes.etcd, etcdctl: binHashes.etcdctl },
      cniHashes,
    ]);
    expect(first.binaries).toStrictEqual({
      ...Object.fromEntries(KUBERNETES_BINARIES.map((b) => [b, join(cache.dir("kubernetes", K8S), b)])),
      etcd: join(cache.dir("etcd", ETCD), "etcd"),
      etcdctl: join(cache.dir("etcd", ETCD), "etcdctl"),
    });
    expect(first.cniDir).toBe(cache.dir("cni-plugins", CNI));
    expect(server.requests).toStrictEqual([
      `${ETCD_PATH}/SHA256SUMS`,
      `${ETCD_PATH}/${ETCD_TARBALL}`,
      `${CNI_PATH}/${CNI_TARBALL}.sha256`,
      `${CNI_PATH}/${CNI_TARBALL}`,
    ]);
    expect(progress).toContain(`etcd ${ETCD}: ${ETCD_TARBALL}`);
    expect(progress).toContain(`CNI plugins ${CNI}: ${CNI_TARBALL}`);
    expect((await cache.manifest("etcd", ETCD))?.source).toBe(`download ${mirror}/etcd/${ETCD}`);

    const second = await resolveArtifacts(plan, artifacts, { cache });
    expect(second.sources.map((s) => s.from)).toStrictEqual(["cache", "cache", "cache"]);
    expect(second.binaries).toStrictEqual(first.binaries);
    expect(server.requests).toHaveLength(4);
  });
});

/** `text` as a literal in a RegExp. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
