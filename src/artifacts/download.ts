/**
 * Downloads of release binaries, each verified against the checksum its project publishes:
 * Kubernetes from dl.k8s.io (a .sha256 per binary), etcd and the CNI plugins from their GitHub
 * releases (SHA256SUMS, and a .sha256 per tarball). flannel publishes no checksum file: flanneld is
 * checked against the lab's pinned `artifacts.flannelSha256`, else the digest GitHub's release API
 * publishes for the asset, and never downloaded unverified. A mirror holding the same files under
 * <mirror>/kubernetes, <mirror>/etcd, <mirror>/cni-plugins and <mirror>/flannel (where flanneld
 * comes with a .sha256) replaces the upstream hosts.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { errorMessage, UserError } from "../errors.js";
import type { ArtifactCache, CacheManifest } from "./artifact-cache.js";
import { COMPONENT_BINARIES, componentTitle, type ComponentName } from "./components.js";

/** Upstream base URLs, replaced by `<mirror>/<component>` when a mirror is set. */
export const UPSTREAM_BASES: Record<ComponentName, string> = {
  kubernetes: "https://dl.k8s.io/release",
  etcd: "https://github.com/etcd-io/etcd/releases/download",
  "cni-plugins": "https://github.com/containernetworking/plugins/releases/download",
  flannel: "https://github.com/flannel-io/flannel/releases/download",
};

/** GitHub's REST API: the only publisher of flannel's hashes (the `digest` of each release asset). */
export const GITHUB_API_BASE = "https://api.github.com";

/** flannel's repository on GitHub. */
const FLANNEL_REPO = "flannel-io/flannel";

/** Headers GitHub's REST API asks for. */
const GITHUB_API_HEADERS = {
  accept: "application/vnd.github+json",
  "x-github-api-version": "2022-11-28",
  "user-agent": "kubelab",
};

/** Where releases come from when no mirror is set; each defaults to its entry in {@link UPSTREAM_BASES} or {@link GITHUB_API_BASE}. */
export interface UpstreamOptions {
  /** Bases replacing entries of {@link UPSTREAM_BASES} (a local server in tests, a proxy). */
  upstreamBases?: Partial<Record<ComponentName, string>>;
  /** Base replacing {@link GITHUB_API_BASE}. */
  githubApiBase?: string;
}

/** Download options. */
export interface DownloadOptions extends UpstreamOptions {
  cache: ArtifactCache;
  mirror?: string;
  arch?: string;
  onProgress?: (message: string, done?: number, total?: number) => void;
  fetchImpl?: typeof fetch;
  /**
   * The SHA-256 flanneld must have (the lab's `artifacts.flannelSha256`): when set it is the only
   * hash flanneld is checked against, and neither GitHub's API nor a mirror's .sha256 is asked.
   */
  flannelSha256?: string;
}

/** One file to fetch and how to check it. */
export interface RemoteFile {
  url: string;
  /** Where its hash is published: a checksum file, or the GitHub release (API) listing its digest. */
  checksumUrl: string;
  /** The file name to look for in a multi-line checksum file, or the asset's name in the release. */
  checksumName: string;
  /** Set when the hash comes from GitHub's release API (`digest` of an asset), not a checksum file. */
  checksumSource?: "github-release";
  /** The name the file is cached under, when not the last part of its URL. */
  storeAs?: string;
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, "");
}

function base(component: ComponentName, mirror: string | undefined, upstream: UpstreamOptions): string {
  if (mirror) return `${trimSlashes(mirror)}/${component}`;
  const override = upstream.upstreamBases?.[component];
  return override ? trimSlashes(override) : UPSTREAM_BASES[component];
}

/** The files a component version is made of, with where their checksums are published. */
export function remoteFiles(
  component: ComponentName,
  version: string,
  mirror?: string,
  arch = "amd64",
  upstream: UpstreamOptions = {},
): RemoteFile[] {
  const root = base(component, mirror, upstream);
  switch (component) {
    case "kubernetes":
      return COMPONENT_BINARIES.kubernetes.map((bin) => {
        const url = `${root}/${version}/bin/linux/${arch}/${bin}`;
        return { url, checksumUrl: `${url}.sha256`, checksumName: bin };
      });
    case "etcd": {
      const name = `etcd-${version}-linux-${arch}.tar.gz`;
      return [{ url: `${root}/${version}/${name}`, checksumUrl: `${root}/${version}/SHA256SUMS`, checksumName: name }];
    }
    case "cni-plugins": {
      const name = `cni-plugins-linux-${arch}-${version}.tgz`;
      const url = `${root}/${version}/${name}`;
      return [{ url, checksumUrl: `${url}.sha256`, checksumName: name }];
    }
    case "flannel": {
      // The release's single binary per architecture; there is no checksum file next to it.
      const asset = `flanneld-${arch}`;
      const url = `${root}/${version}/${asset}`;
      if (mirror) return [{ url, checksumUrl: `${url}.sha256`, checksumName: asset, storeAs: "flanneld" }];
      const api = trimSlashes(upstream.githubApiBase ?? GITHUB_API_BASE);
      return [
        {
          url,
          checksumUrl: `${api}/repos/${FLANNEL_REPO}/releases/tags/${version}`,
          checksumName: asset,
          checksumSource: "github-release",
          storeAs: "flanneld",
        },
      ];
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What a GitHub release (the JSON of `GET /repos/OWNER/REPO/releases/tags/TAG`) says of one asset:
 * whether it lists it, and the hex SHA-256 of its `digest` ("sha256:<hex>") when GitHub has one.
 */
export function releaseAssetDigest(release: unknown, asset: string): { listed: boolean; sha256: string | undefined } {
  const assets: unknown[] = isRecord(release) && Array.isArray(release.assets) ? release.assets : [];
  const entry = assets.find((a): a is Record<string, unknown> => isRecord(a) && a.name === asset);
  if (!entry) return { listed: false, sha256: undefined };
  const hex = typeof entry.digest === "string" ? /^sha256:([0-9a-f]{64})$/i.exec(entry.digest.trim())?.[1] : undefined;
  return { listed: true, sha256: hex?.toLowerCase() };
}

/** The expected hash from a checksum file: a bare hash, or `hash  name` lines. */
export function parseChecksum(text: string, name: string): string | undefined {
  const lines = text.trim().split("\n");
  if (lines.length === 1 && /^[0-9a-f]{64}$/i.test(lines[0]!.trim())) return lines[0]!.trim().toLowerCase();
  for (const line of lines) {
    const [hash, file] = line.trim().split(/\s+\*?/);
    if (hash && file && (file === name || file.endsWith(`/${name}`)) && /^[0-9a-f]{64}$/i.test(hash)) return hash.toLowerCase();
  }
  return undefined;
}

async function get(url: string, fetchImpl: typeof fetch, headers?: Record<string, string>): Promise<Response> {
  let response: Response;
  // The timeout covers connecting and the response headers only: the signal also governs the
  // body, and a 110 MB binary on a slow link takes more than 30 s without anything being wrong.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("no response within 30 s")), 30_000);
  try {
    response = await fetchImpl(url, { signal: controller.signal, ...(headers ? { headers } : {}) });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new Error(`${url}: ${cause ? errorMessage(cause) : errorMessage(error)}`);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

/** Downloads one file to `dest`, hashing as it goes; returns the hex SHA-256. */
async function downloadTo(url: string, dest: string, options: DownloadOptions, label: string): Promise<string> {
  const response = await get(url, options.fetchImpl ?? fetch);
  const total = Number(response.headers.get("content-length")) || undefined;
  const hash = createHash("sha256");
  let done = 0;
  let lastReport = 0;
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    done += chunk.length;
    if (Date.now() - lastReport > 250) {
      lastReport = Date.now();
      options.onProgress?.(label, done, total);
    }
  });
  await pipeline(body, createWriteStream(dest, { mode: 0o755 }));
  options.onProgress?.(label, done, total);
  return hash.digest("hex");
}

/** Extracts the regular files of a .tar.gz into `dir` (flattened; the tarballs hold one folder). */
async function extractTarGz(file: string, dir: string, wanted: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  const tar = extract();
  tar.on("entry", (header, stream, next) => {
    const name = header.name.split("/").pop() ?? "";
    if (header.type === "file" && name && wanted(name)) {
      names.push(name);
      stream.pipe(createWriteStream(join(dir, name), { mode: 0o755 })).on("finish", next).on("error", next);
    } else {
      stream.on("end", next);
      stream.resume();
    }
  });
  await pipeline(createReadStream(file), createGunzip(), tar);
  return names;
}

/** The hash a file must have, and how messages name where it came from. */
interface ExpectedHash {
  sha256: string;
  /** "the published one", "the one in artifacts.flannelSha256". */
  what: string;
  /** The lab pinned it (artifacts.flannelSha256). */
  pinned: boolean;
}

/** The hash `remote` must have: the lab's pin for flanneld, else its checksum file or release digest. */
async function expectedHash(component: ComponentName, version: string, remote: RemoteFile, options: DownloadOptions): Promise<ExpectedHash> {
  const fetchImpl = options.fetchImpl ?? fetch;
  if (component === "flannel" && options.flannelSha256) {
    return { sha256: options.flannelSha256.toLowerCase(), what: "the one in artifacts.flannelSha256", pinned: true };
  }
  if (remote.checksumSource === "github-release") {
    const response = await get(remote.checksumUrl, fetchImpl, GITHUB_API_HEADERS);
    const release: unknown = await response.json().catch(() => {
      throw new Error(`${remote.checksumUrl}: the answer is not JSON`);
    });
    const digest = releaseAssetDigest(release, remote.checksumName);
    if (!digest.listed) throw new Error(`${remote.checksumUrl} lists no asset ${remote.checksumName}`);
    if (!digest.sha256) throw noFlannelDigest(version, remote);
    return { sha256: digest.sha256, what: "the published one", pinned: false };
  }
  const checksumText = await (await get(remote.checksumUrl, fetchImpl)).text();
  const sha256 = parseChecksum(checksumText, remote.checksumName);
  if (!sha256) throw new Error(`${remote.checksumUrl} lists no checksum for ${remote.checksumName}`);
  return { sha256, what: "the published one", pinned: false };
}

/** The error for a flannel release asset GitHub has no digest of: nobody publishes its hash. */
function noFlannelDigest(version: string, remote: RemoteFile): UserError {
  return new UserError(
    `failed to verify ${remote.checksumName} of flannel ${version}: flannel publishes no checksum file, and GitHub has no digest for the asset (${remote.checksumUrl})`,
    {
      hint: [
        "nothing was downloaded: flanneld is never used unverified. Provide it with one of:",
        `  artifacts: { flannelSha256: <hex> }   in the lab file, once you have checked ${remote.url} by other means`,
        `  lab artifacts import DIR              a folder with bin/flanneld and "flannel ${version}" in VERSIONS`,
        "  artifacts: { dir: DIR }               in the lab file, a folder with bin/ (flanneld too), cni/ and VERSIONS",
      ].join("\n"),
    },
  );
}

/** Downloads, verifies and caches one component version; a file whose hash differs caches nothing. */
export async function downloadComponent(
  component: ComponentName,
  version: string,
  options: DownloadOptions,
): Promise<CacheManifest> {
  const work = await mkdtemp(join(await ensureDir(options.cache.root), `.download-${component}-`));
  try {
    const files = new Map<string, string>();
    for (const remote of remoteFiles(component, version, options.mirror, options.arch, options)) {
      const name = remote.url.split("/").pop()!;
      const expected = await expectedHash(component, version, remote, options);
      const dest = join(work, name);
      const actual = await downloadTo(remote.url, dest, options, `${componentTitle(component)} ${version}: ${name}`);
      if (actual !== expected.sha256) {
        throw new UserError(`failed to verify ${remote.url}: its SHA-256 is ${actual}, ${expected.what} is ${expected.sha256}`, {
          hint: expected.pinned
            ? "nothing was cached. The download was corrupted or tampered with, or the pinned hash is not this release's: check it by other means"
            : "the download was corrupted or tampered with; nothing was cached. Try again, or use another mirror",
        });
      }
      if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
        const out = join(work, "extracted");
        await mkdir(out, { recursive: true });
        const wanted = component === "etcd" ? (n: string) => COMPONENT_BINARIES.etcd.includes(n) : () => true;
        for (const n of await extractTarGz(dest, out, wanted)) files.set(n, join(out, n));
      } else {
        files.set(remote.storeAs ?? name, dest);
      }
    }
    const missing = COMPONENT_BINARIES[component].filter((b) => !files.has(b));
    if (missing.length) throw new Error(`the release has no ${missing.join(", ")}`);
    return await options.cache.store(component, version, files, `download ${base(component, options.mirror, options)}/${version}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
