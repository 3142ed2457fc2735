/**
 * flanneld, for labs whose overlay is flannel. flannel publishes no checksum file, so a download is
 * verified against the lab's pinned artifacts.flannelSha256, else the digest GitHub's release API
 * lists for the asset, and never skipped. One real HTTP server on 127.0.0.1 plays github.com's
 * release downloads (/upstream/flannel/...), GitHub's REST API (/api/repos/...) and a mirror
 * (/mirror/flannel/... with a .sha256). The "flanneld" served is a real small executable (a CNI
 * plugin of the test artifacts); expected hashes come from `sha256sum`.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ArtifactCache, type CacheManifest } from "../../src/artifacts/artifact-cache.js";
import { downloadComponent, type UpstreamOptions } from "../../src/artifacts/download.js";
import { importArtifactDir } from "../../src/artifacts/import-dir.js";
import { artifactShares, neededComponents, resolveArtifacts, wantedVersions } from "../../src/artifacts/resolve-artifacts.js";
import { UserError } from "../../src/errors.js";
import {
  artifactFolderLike,
  closedPortUrl,
  describeWithArtifacts,
  ETCD_BINARIES,
  KUBERNETES_BINARIES,
  labPlan,
  linkFile,
  listTree,
  modeOf,
  REAL_CNI,
  serveMirror,
  sha256sum,
  sha256sumDir,
  TEST_ARTIFACTS,
  type TestMirror,
  tempDirsOfThisFile,
} from "./support.js";

const FLANNEL = "v0.22.0";
const ASSET = "flanneld-amd64";
const UPSTREAM_PATH = `/upstream/flannel/${FLANNEL}`;
const API_PATH = `/api/repos/flannel-io/flannel/releases/tags/${FLANNEL}`;
const MIRROR_PATH = `/mirror/flannel/${FLANNEL}`;
/** A hash no file here has. */
const OTHER_HASH = "ab".repeat(32);

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

/** The UserError `promise` rejects with. */
async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

/** One asset as GitHub's REST API lists it; `digest` left out when undefined. */
function apiAsset(base: string, name: string, digest: string | null | undefined): Record<string, unknown> {
  return {
    url: `https://api.github.com/repos/flannel-io/flannel/releases/assets/${name.length}`,
    name,
    label: "",
    content_type: "application/octet-stream",
    state: "uploaded",
    size: 1234,
    browser_download_url: `${base}/${name}`,
    ...(digest === undefined ? {} : { digest }),
  };
}

/** A release as GitHub's REST API answers for it, with flanneld-amd64's digest as given. */
function apiRelease(base: string, flanneldDigest: string | null | undefined): string {
  return JSON.stringify({
    url: "https://api.github.com/repos/flannel-io/flannel/releases/1",
    tag_name: FLANNEL,
    name: FLANNEL,
    draft: false,
    prerelease: false,
    assets: [
      apiAsset(base, `flannel-${FLANNEL}-linux-amd64.tar.gz`, `sha256:${"cd".repeat(32)}`),
      apiAsset(base, "flanneld-arm64", `sha256:${OTHER_HASH}`),
      apiAsset(base, ASSET, flanneldDigest),
      apiAsset(base, "flanneld-s390x", `sha256:${"ef".repeat(32)}`),
    ],
  });
}

describeWithArtifacts("flanneld through a local GitHub, API and mirror", () => {
  let server: TestMirror;
  let served: string;
  /** The file served as flanneld, and its hash by `sha256sum`. */
  let flanneldSource: string;
  let flanneldHash: string;
  let upstream: UpstreamOptions;
  let mirror: string;

  beforeAll(async () => {
    flanneldSource = join(REAL_CNI, "host-local");
    flanneldHash = (await sha256sum([flanneldSource]))[flanneldSource]!;
    served = await temp("flannel-served");
    await linkFile(flanneldSource, join(served, UPSTREAM_PATH, ASSET));
    await linkFile(flanneldSource, join(served, MIRROR_PATH, ASSET));
    await writeFile(join(served, MIRROR_PATH, `${ASSET}.sha256`), `${flanneldHash}  ${ASSET}\n`);
    server = await serveMirror(served);
    await mkdir(join(served, API_PATH, ".."), { recursive: true });
    await writeFile(join(served, API_PATH), apiRelease(`${server.url}${UPSTREAM_PATH}`, `sha256:${flanneldHash}`));
    mirror = `${server.url}/mirror`;
    // Every component's upstream is this server: a request for anything else would be recorded,
    // never sent to the Internet.
    upstream = {
      upstreamBases: {
        kubernetes: `${server.url}/upstream/kubernetes`,
        etcd: `${server.url}/upstream/etcd`,
        "cni-plugins": `${server.url}/upstream/cni-plugins`,
        flannel: `${server.url}/upstream/flannel`,
      },
      githubApiBase: `${server.url}/api`,
    };
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(() => {
    server.requests.length = 0;
    server.overrides.clear();
  });

  /** Checks the cache holds flanneld as flannel/<version>/flanneld, executable, and nothing else. */
  async function expectCachedFlanneld(cache: ArtifactCache, manifest: CacheManifest): Promise<void> {
    expect(manifest).toMatchObject({ component: "flannel", version: FLANNEL, files: { flanneld: flanneldHash } });
    expect(await cache.manifest("flannel", FLANNEL)).toStrictEqual(manifest);
    const dir = cache.dir("flannel", FLANNEL);
    expect(dir).toBe(join(cache.root, "flannel", FLANNEL));
    expect(await sha256sumDir(dir, ["flanneld"])).toStrictEqual({ flanneld: flanneldHash });
    expect((await modeOf(join(dir, "flanneld"))).mode).toBe(0o755);
    expect(await listTree(cache.root)).toStrictEqual(["flannel", `flannel/${FLANNEL}`, `flannel/${FLANNEL}/flanneld`, `flannel/${FLANNEL}/manifest.json`]);
  }

  describe("downloadComponent from upstream", () => {
    it("verifies flanneld against the digest GitHub's release API lists and caches it as flannel/<version>/flanneld", async () => {
      const cache = await freshCache();
      const progress: string[] = [];
      const manifest = await downloadComponent("flannel", FLANNEL, { cache, ...upstream, onProgress: (message) => progress.push(message) });
      await expectCachedFlanneld(cache, manifest);
      expect(manifest.source).toBe(`download ${server.url}/upstream/flannel/${FLANNEL}`);
      // The digest first, then the binary; no checksum file is looked for.
      expect(server.requests).toStrictEqual([API_PATH, `${UPSTREAM_PATH}/${ASSET}`]);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress.every((p) => p === `flannel ${FLANNEL}: ${ASSET}`)).toBe(true);
    });

    it("refuses flanneld whose hash differs from GitHub's digest, names both hashes and caches nothing", async () => {
      const cache = await freshCache();
      server.overrides.set(API_PATH, { body: apiRelease(`${server.url}${UPSTREAM_PATH}`, `sha256:${OTHER_HASH}`) });
      const error = await userError(downloadComponent("flannel", FLANNEL, { cache, ...upstream }));
      expect(error.message).toBe(
        `failed to verify ${server.url}${UPSTREAM_PATH}/${ASSET}: its SHA-256 is ${flanneldHash}, the published one is ${OTHER_HASH}`,
      );
      expect(error.hint).toContain("nothing was cached");
      expect(await readdir(cache.root)).toStrictEqual([]);
      expect(await cache.manifest("flannel", FLANNEL)).toBeUndefined();
    });

    for (const [label, digest] of [
      ["no digest", undefined],
      ["a null digest", null],
    ] as const) {
      it(`fails before downloading when the API has ${label} for flanneld and the lab pins none, with the ways out`, async () => {
        const cache = await freshCache();
        server.overrides.set(API_PATH, { body: apiRelease(`${server.url}${UPSTREAM_PATH}`, digest) });
        const error = await userError(downloadComponent("flannel", FLANNEL, { cache, ...upstream }));
        expect(error.message).toBe(
          `failed to verify ${ASSET} of flannel ${FLANNEL}: flannel publishes no checksum file, and GitHub has no digest for the asset (${server.url}${API_PATH})`,
        );
        const hint = error.hint ?? "";
        expect(hint).toContain("never used unverified");
        expect(hint).toContain(`artifacts: { flannelSha256: <hex> }   in the lab file, once you have checked ${server.url}${UPSTREAM_PATH}/${ASSET} by other means`);
        expect(hint).toContain(`lab artifacts import DIR              a folder with bin/flanneld and "flannel ${FLANNEL}" in VERSIONS`);
        expect(hint).toContain("artifacts: { dir: DIR }");
        // The binary is not even fetched: there is nothing to check it against.
        expect(server.requests).toStrictEqual([API_PATH]);
        expect(await readdir(cache.root)).toStrictEqual([]);
      });
    }

    it("checks the lab's pinned flannelSha256 in place of GitHub's digest, which it does not ask for (the pin wins)", async () => {
      const cache = await freshCache();
      // Were the API asked, its digest would not match.
      server.overrides.set(API_PATH, { body: apiRelease(`${server.url}${UPSTREAM_PATH}`, `sha256:${OTHER_HASH}`) });
      const manifest = await downloadComponent("flannel", FLANNEL, { cache, ...upstream, flannelSha256: flanneldHash });
      await expectCachedFlanneld(cache, manifest);
      expect(server.requests).toStrictEqual([`${UPSTREAM_PATH}/${ASSET}`]);
    });

    it("refuses flanneld that does not match the pinned flannelSha256, even when GitHub's digest matches", async () => {
      const cache = await freshCache();
      const error = await userError(downloadComponent("flannel", FLANNEL, { cache, ...upstream, flannelSha256: OTHER_HASH }));
      expect(error.message).toBe(
        `failed to verify ${server.url}${UPSTREAM_PATH}/${ASSET}: its SHA-256 is ${flanneldHash}, the one in artifacts.flannelSha256 is ${OTHER_HASH}`,
      );
      expect(error.hint).toContain("nothing was cached");
      expect(error.hint).toContain("pinned hash");
      expect(await readdir(cache.root)).toStrictEqual([]);
    });

    it("names the API URL of a release GitHub does not know, and of a release without the asset", async () => {
      const cache = await freshCache();
      server.overrides.set(API_PATH, { status: 404 });
      expect((await rejection(downloadComponent("flannel", FLANNEL, { cache, ...upstream }))).message).toBe(`${server.url}${API_PATH}: HTTP 404`);
      server.overrides.clear();
      const error = await rejection(downloadComponent("flannel", FLANNEL, { cache, ...upstream, arch: "riscv64" }));
      expect(error).not.toBeInstanceOf(UserError);
      expect(error.message).toBe(`${server.url}${API_PATH} lists no asset flanneld-riscv64`);
      server.overrides.set(API_PATH, { body: "<html>rate limited</html>" });
      expect((await rejection(downloadComponent("flannel", FLANNEL, { cache, ...upstream }))).message).toBe(`${server.url}${API_PATH}: the answer is not JSON`);
      expect(await readdir(cache.root)).toStrictEqual([]);
    });
  });

  describe("downloadComponent from a mirror", () => {
    it("takes <mirror>/flannel/<version>/flanneld-<arch> and verifies it against the .sha256 next to it", async () => {
      const cache = await freshCache();
      const manifest = await downloadComponent("flannel", FLANNEL, { cache, mirror, ...upstream });
      await expectCachedFlanneld(cache, manifest);
      expect(manifest.source).toBe(`download ${mirror}/flannel/${FLANNEL}`);
      // GitHub's API is not asked: the mirror publishes the hash.
      expect(server.requests).toStrictEqual([`${MIRROR_PATH}/${ASSET}.sha256`, `${MIRROR_PATH}/${ASSET}`]);
    });

    it("refuses a mirrored flanneld that does not match its .sha256 and caches nothing", async () => {
      const cache = await freshCache();
      server.overrides.set(`${MIRROR_PATH}/${ASSET}.sha256`, { body: `${OTHER_HASH}\n` });
      const error = await userError(downloadComponent("flannel", FLANNEL, { cache, mirror }));
      expect(error.message).toBe(`failed to verify ${mirror}/flannel/${FLANNEL}/${ASSET}: its SHA-256 is ${flanneldHash}, the published one is ${OTHER_HASH}`);
      expect(await readdir(cache.root)).toStrictEqual([]);
    });

    it("names the URL of a .sha256 the mirror lacks", async () => {
      const cache = await freshCache();
      server.overrides.set(`${MIRROR_PATH}/${ASSET}.sha256`, { status: 404 });
      const error = await rejection(downloadComponent("flannel", FLANNEL, { cache, mirror }));
      expect(error.message).toBe(`${mirror}/flannel/${FLANNEL}/${ASSET}.sha256: HTTP 404`);
      expect(await readdir(cache.root)).toStrictEqual([]);
    });

    it("checks a mirrored flanneld against the pinned flannelSha256 without asking for the .sha256", async () => {
      const cache = await freshCache();
      server.overrides.set(`${MIRROR_PATH}/${ASSET}.sha256`, { status: 404 });
      const manifest = await downloadComponent("flannel", FLANNEL, { cache, mirror, flannelSha256: flanneldHash });
      await expectCachedFlanneld(cache, manifest);
      expect(server.requests).toStrictEqual([`${MIRROR_PATH}/${ASSET}`]);
    });
  });

  describe("resolveArtifacts", () => {
    /** Kubernetes, etcd and the CNI plugins imported once; flannel removed before each test. */
    let cache: ArtifactCache;
    let offline: string;

    beforeAll(async () => {
      cache = await freshCache();
      await importArtifactDir(TEST_ARTIFACTS, cache);
      offline = `${await closedPortUrl()}/mirror`;
    });

    beforeEach(async () => {
      await rm(join(cache.root, "flannel"), { recursive: true, force: true });
    });

    it("never looks for flannel in a lab whose overlay is not flannel", async () => {
      for (const overlay of [undefined, "routes", "vxlan"] as const) {
        const { plan, artifacts } = labPlan({ overlay });
        expect(plan.flannelVersion).toBeUndefined();
        expect(neededComponents(plan)).toStrictEqual(["kubernetes", "etcd", "cni-plugins"]);
        expect("flannel" in wantedVersions(plan)).toBe(false);
        const resolved = await resolveArtifacts(plan, artifacts, { cache, ...upstream });
        expect(resolved.sources.map((s) => s.component)).toStrictEqual(["kubernetes", "etcd", "cni-plugins"]);
        expect(Object.keys(resolved.binaries).sort()).toStrictEqual([...KUBERNETES_BINARIES, ...ETCD_BINARIES].sort());
        expect(artifactShares(resolved).map((s) => s.nodePath)).not.toContain("/usr/local/bin/flanneld");
      }
      // Even through a mirror that has flanneld: nothing was asked of the server, nothing cached.
      const { plan, artifacts } = labPlan({ mirror });
      await resolveArtifacts(plan, artifacts, { cache });
      expect(server.requests).toStrictEqual([]);
      expect(await readdir(cache.root)).not.toContain("flannel");
    });

    it("downloads only flanneld for a flannel lab, shares it at /usr/local/bin/flanneld, then takes it from the cache", async () => {
      const { plan, artifacts } = labPlan({ overlay: "flannel" });
      expect(wantedVersions(plan)).toStrictEqual({ kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1", flannel: FLANNEL });
      expect(neededComponents(plan)).toStrictEqual(["kubernetes", "etcd", "cni-plugins", "flannel"]);
      const first = await resolveArtifacts(plan, artifacts, { cache, ...upstream });
      expect(server.requests).toStrictEqual([API_PATH, `${UPSTREAM_PATH}/${ASSET}`]);
      expect(first.sources.map((s) => [s.component, s.version, s.from])).toStrictEqual([
        ["kubernetes", "v1.20.2", "cache"],
        ["etcd", "v3.4.23", "cache"],
        ["cni-plugins", "v1.1.1", "cache"],
        ["flannel", FLANNEL, "download"],
      ]);
      expect(first.sources[3]).toStrictEqual({
        component: "flannel",
        version: FLANNEL,
        from: "download",
        path: cache.dir("flannel", FLANNEL),
        sha256: { flanneld: flanneldHash },
      });
      const flanneld = join(cache.dir("flannel", FLANNEL), "flanneld");
      expect(first.binaries.flanneld).toBe(flanneld);
      expect(Object.keys(first.binaries).sort()).toStrictEqual([...KUBERNETES_BINARIES, ...ETCD_BINARIES, "flanneld"].sort());
      expect(artifactShares(first)).toContainEqual({ hostPath: flanneld, nodePath: "/usr/local/bin/flanneld" });
      expect((await sha256sum([flanneld]))[flanneld]).toBe(flanneldHash);

      const second = await resolveArtifacts(plan, artifacts, { cache, ...upstream });
      expect(second.sources.map((s) => s.from)).toStrictEqual(["cache", "cache", "cache", "cache"]);
      expect(second.binaries).toStrictEqual(first.binaries);
      expect(server.requests).toHaveLength(2);
    });

    it("passes the lab file's flannelSha256 on: the pin wins over GitHub's digest, which is not asked for", async () => {
      server.overrides.set(API_PATH, { body: apiRelease(`${server.url}${UPSTREAM_PATH}`, `sha256:${OTHER_HASH}`) });
      const { plan, artifacts } = labPlan({ overlay: "flannel", flannelSha256: flanneldHash });
      expect(artifacts.flannelSha256).toBe(flanneldHash);
      const resolved = await resolveArtifacts(plan, artifacts, { cache, ...upstream });
      expect(resolved.sources.at(-1)).toMatchObject({ component: "flannel", from: "download", sha256: { flanneld: flanneldHash } });
      expect(server.requests).toStrictEqual([`${UPSTREAM_PATH}/${ASSET}`]);

      // A wrong pin fails, even though GitHub's digest would match.
      await rm(join(cache.root, "flannel"), { recursive: true, force: true });
      server.overrides.clear();
      const wrong = labPlan({ overlay: "flannel", flannelSha256: OTHER_HASH });
      const error = await userError(resolveArtifacts(wrong.plan, wrong.artifacts, { cache, ...upstream }));
      expect(error.message).toContain(`the one in artifacts.flannelSha256 is ${OTHER_HASH}`);
      expect(await cache.manifest("flannel", FLANNEL)).toBeUndefined();
    });

    it("uses the lab's flannelVersion and takes flanneld from the lab's mirror", async () => {
      const other = "v0.21.5";
      await linkFile(flanneldSource, join(served, "mirror", "flannel", other, ASSET));
      await writeFile(join(served, "mirror", "flannel", other, `${ASSET}.sha256`), `${flanneldHash}\n`);
      const { plan, artifacts } = labPlan({ overlay: "flannel", flannelVersion: other, mirror });
      const resolved = await resolveArtifacts(plan, artifacts, { cache });
      expect(resolved.sources.at(-1)).toMatchObject({ component: "flannel", version: other, from: "download", path: cache.dir("flannel", other) });
      expect(server.requests).toStrictEqual([`/mirror/flannel/${other}/${ASSET}.sha256`, `/mirror/flannel/${other}/${ASSET}`]);
      expect((await cache.manifest("flannel", other))?.source).toBe(`download ${mirror}/flannel/${other}`);
    });

    it("throws the no-digest error itself, with its ways out, when GitHub has no digest and the lab pins none", async () => {
      server.overrides.set(API_PATH, { body: apiRelease(`${server.url}${UPSTREAM_PATH}`, undefined) });
      const { plan, artifacts } = labPlan({ overlay: "flannel" });
      const error = await userError(resolveArtifacts(plan, artifacts, { cache, ...upstream }));
      expect(error.message).toMatch(/^failed to verify flanneld-amd64 of flannel v0\.22\.0: flannel publishes no checksum file, and GitHub has no digest/);
      expect(error.hint).toContain("flannelSha256");
      expect(error.hint).toContain("lab artifacts import DIR");
      expect(server.requests).toStrictEqual([API_PATH]);
      expect(await cache.manifest("flannel", FLANNEL)).toBeUndefined();
    });

    it("names flannel among what it could not get when the download fails, and offers --with flanneld", async () => {
      server.overrides.set(API_PATH, { status: 404 });
      const { plan, artifacts } = labPlan({ overlay: "flannel" });
      const error = await userError(resolveArtifacts(plan, artifacts, { cache, ...upstream }));
      expect(error.message).toBe(`failed to get the lab's binaries: flannel ${FLANNEL} (${server.url}${API_PATH}: HTTP 404)`);
      expect(error.hint).toContain(`for flannel ${FLANNEL} and the download failed`);
      expect(error.hint).toContain("--with flanneld=PATH");
    });

    describe("--with flanneld", () => {
      it("replaces flanneld in a flannel lab without downloading or checking flannel at all", async () => {
        const dir = await temp("custom");
        const custom = join(dir, "flanneld");
        await linkFile(flanneldSource, custom);
        // No digest upstream and the mirror is closed: flannel could not be had any other way.
        const { plan, artifacts } = labPlan({ overlay: "flannel", mirror: offline });
        const resolved = await resolveArtifacts(plan, artifacts, { cache, with: { flanneld: custom } });
        expect(resolved.binaries.flanneld).toBe(custom);
        expect(resolved.sources.map((s) => [s.component, s.from])).toStrictEqual([
          ["kubernetes", "cache"],
          ["etcd", "cache"],
          ["cni-plugins", "cache"],
          ["flannel", "custom"],
        ]);
        expect(resolved.sources.at(-1)).toStrictEqual({ component: "flannel", binary: "flanneld", version: "custom", from: "custom", path: custom, sha256: flanneldHash });
        expect(artifactShares(resolved)).toContainEqual({ hostPath: custom, nodePath: "/usr/local/bin/flanneld" });
        expect(await readdir(cache.root)).not.toContain("flannel");
      });

      it("refuses flanneld in a lab that does not run flannel, with exit code 2", async () => {
        const { plan, artifacts } = labPlan({ mirror: offline });
        const error = await userError(resolveArtifacts(plan, artifacts, { cache, with: { flanneld: flanneldSource } }));
        expect(error.message).toBe("failed to use --with flanneld: the lab does not run flannel");
        expect(error.hint).toContain("network.overlay: flannel");
        expect(error.exitCode).toBe(2);
      });

      it("lists flanneld among the replaceable binaries of a flannel lab", async () => {
        const { plan, artifacts } = labPlan({ overlay: "flannel", mirror: offline });
        const error = await userError(resolveArtifacts(plan, artifacts, { cache, with: { flannel: flanneldSource } }));
        expect(error.message).toBe("failed to use --with flannel: no such component");
        expect(error.hint).toBe(`replaceable binaries: ${[...KUBERNETES_BINARIES, ...ETCD_BINARIES, "flanneld"].join(", ")}`);
      });
    });
  });

  describe("artifacts.dir and lab artifacts import", () => {
    let offline: string;

    beforeAll(async () => {
      offline = `${await closedPortUrl()}/mirror`;
    });

    /** A folder like the test artifacts, with bin/flanneld added when asked. */
    async function folder(versions: string | undefined, withFlanneld: boolean): Promise<string> {
      const dir = await artifactFolderLike({ versions });
      temp.track(dir);
      if (withFlanneld) await linkFile(flanneldSource, join(dir, "bin", "flanneld"));
      return dir;
    }

    it("names flanneld when a flannel lab's folder lacks it", async () => {
      const dir = await folder("kubernetes v1.20.2\n", false);
      const { plan, artifacts } = labPlan({ overlay: "flannel", dir, mirror: offline });
      const error = await userError(resolveArtifacts(plan, artifacts, { cache: await freshCache() }));
      expect(error.message).toBe(`failed to find the lab's binaries: flannel in ${join(dir, "bin")}: flanneld`);
      expect(error.hint).toContain("artifacts.dir");
    });

    it("is content with a folder without flanneld for a lab that does not run flannel", async () => {
      const dir = await folder("kubernetes v1.20.2\n", false);
      const { plan, artifacts } = labPlan({ dir, mirror: offline });
      const resolved = await resolveArtifacts(plan, artifacts, { cache: await freshCache() });
      expect(resolved.sources.map((s) => s.component)).toStrictEqual(["kubernetes", "etcd", "cni-plugins"]);
      expect(resolved.binaries.flanneld).toBeUndefined();
    });

    it("uses bin/flanneld of a flannel lab's folder in place, with the version VERSIONS states", async () => {
      const dir = await folder("kubernetes v1.20.2\nflannel v0.22.0\n", true);
      const cache = await freshCache();
      const { plan, artifacts } = labPlan({ overlay: "flannel", dir, mirror: offline });
      const resolved = await resolveArtifacts(plan, artifacts, { cache });
      expect(resolved.sources.at(-1)).toStrictEqual({ component: "flannel", version: FLANNEL, from: "dir", path: join(dir, "bin") });
      expect(resolved.binaries.flanneld).toBe(join(dir, "bin", "flanneld"));
      expect(artifactShares(resolved)).toContainEqual({ hostPath: join(dir, "bin", "flanneld"), nodePath: "/usr/local/bin/flanneld" });
      expect(await listTree(cache.root)).toStrictEqual([]);
    });

    it("refuses a folder whose VERSIONS states another flannel release than the lab's", async () => {
      const dir = await folder("flannel 0.21.5\n", true);
      const { plan, artifacts } = labPlan({ overlay: "flannel", dir, mirror: offline });
      const error = await userError(resolveArtifacts(plan, artifacts, { cache: await freshCache() }));
      expect(error.message).toBe(`failed to use artifacts.dir ${dir}: it holds flannel v0.21.5, the lab wants ${FLANNEL}`);
    });

    it("imports bin/flanneld with \"flannel v0.22.0\" in VERSIONS, and a flannel lab then finds it offline", async () => {
      const dir = await folder("kubernetes v1.20.2\netcd 3.4.23\ncni-plugins 1.1.1+ds1-3+b5\nflannel v0.22.0\n", true);
      const cache = await freshCache();
      const imported = await importArtifactDir(dir, cache);
      expect(imported.map((m) => [m.component, m.version, m.source])).toStrictEqual([
        ["kubernetes", "v1.20.2", `import ${dir}`],
        ["etcd", "v3.4.23", `import ${dir}`],
        ["cni-plugins", "v1.1.1", `import ${dir}`],
        ["flannel", FLANNEL, `import ${dir}`],
      ]);
      expect(imported[3]?.files).toStrictEqual({ flanneld: flanneldHash });
      expect((await listTree(cache.root)).filter((p) => p.startsWith("flannel"))).toStrictEqual([
        "flannel",
        `flannel/${FLANNEL}`,
        `flannel/${FLANNEL}/flanneld`,
        `flannel/${FLANNEL}/manifest.json`,
      ]);
      // flanneld is not mistaken for a Kubernetes or etcd file.
      expect(Object.keys(imported[0]?.files ?? {})).not.toContain("flanneld");
      expect(await sha256sumDir(cache.dir("flannel", FLANNEL), ["flanneld"])).toStrictEqual({ flanneld: flanneldHash });
      expect((await modeOf(join(cache.dir("flannel", FLANNEL), "flanneld"))).mode).toBe(0o755);

      const { plan, artifacts } = labPlan({ overlay: "flannel", mirror: offline });
      const resolved = await resolveArtifacts(plan, artifacts, { cache });
      expect(resolved.sources.map((s) => [s.component, s.from])).toStrictEqual([
        ["kubernetes", "cache"],
        ["etcd", "cache"],
        ["cni-plugins", "cache"],
        ["flannel", "cache"],
      ]);
      expect(resolved.binaries.flanneld).toBe(join(cache.dir("flannel", FLANNEL), "flanneld"));
    });

    it("refuses bin/flanneld without a flannel line in VERSIONS, and imports nothing", async () => {
      const dir = await folder("kubernetes v1.20.2\netcd 3.4.23\ncni-plugins 1.1.1\n", true);
      const root = join(await temp("cache"), "artifacts");
      const error = await userError(importArtifactDir(dir, new ArtifactCache(root)));
      expect(error.message).toBe(`failed to import artifacts from ${dir}: flannel: ${join(dir, "VERSIONS")} has no "flannel <version>" line`);
      expect(error.hint).toContain('"flannel v0.22.0"');
      expect(await listTree(root)).toStrictEqual([]);
    });
  });
});
