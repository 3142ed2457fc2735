/**
 * Downloads of release binaries, each verified against the checksum its project publishes:
 * Kubernetes from dl.k8s.io (a .sha256 per binary), etcd and the CNI plugins from their GitHub
 * releases (SHA256SUMS, and a .sha256 per tarball). A mirror holding the same files under
 * <mirror>/kubernetes, <mirror>/etcd and <mirror>/cni-plugins replaces the upstream hosts.
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
};

/** Download options. */
export interface DownloadOptions {
  cache: ArtifactCache;
  mirror?: string;
  arch?: string;
  onProgress?: (message: string, done?: number, total?: number) => void;
  fetchImpl?: typeof fetch;
}

/** One file to fetch and how to check it. */
interface RemoteFile {
  url: string;
  checksumUrl: string;
  /** The file name to look for in a multi-line checksum file. */
  checksumName: string;
}

function base(component: ComponentName, mirror: string | undefined): string {
  return mirror ? `${mirror.replace(/\/+$/, "")}/${component}` : UPSTREAM_BASES[component];
}

/** The files a component version is made of, with their checksum files. */
export function remoteFiles(component: ComponentName, version: string, mirror?: string, arch = "amd64"): RemoteFile[] {
  const root = base(component, mirror);
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
  }
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

async function get(url: string, fetchImpl: typeof fetch): Promise<Response> {
  let response: Response;
  // The timeout covers connecting and the response headers only: the signal also governs the
  // body, and a 110 MB binary on a slow link takes more than 30 s without anything being wrong.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("no response within 30 s")), 30_000);
  try {
    response = await fetchImpl(url, { signal: controller.signal });
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

/** Downloads, verifies and caches one component version. */
export async function downloadComponent(
  component: ComponentName,
  version: string,
  options: DownloadOptions,
): Promise<CacheManifest> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const work = await mkdtemp(join(await ensureDir(options.cache.root), `.download-${component}-`));
  try {
    const files = new Map<string, string>();
    for (const remote of remoteFiles(component, version, options.mirror, options.arch)) {
      const name = remote.url.split("/").pop()!;
      const checksumText = await (await get(remote.checksumUrl, fetchImpl)).text();
      const expected = parseChecksum(checksumText, remote.checksumName);
      if (!expected) throw new Error(`${remote.checksumUrl} lists no checksum for ${remote.checksumName}`);
      const dest = join(work, name);
      const actual = await downloadTo(remote.url, dest, options, `${componentTitle(component)} ${version}: ${name}`);
      if (actual !== expected) {
        throw new UserError(`failed to verify ${remote.url}: its SHA-256 is ${actual}, the published one is ${expected}`, {
          hint: "the download was corrupted or tampered with; nothing was cached. Try again, or use another mirror",
        });
      }
      if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
        const out = join(work, "extracted");
        await mkdir(out, { recursive: true });
        const wanted = component === "etcd" ? (n: string) => COMPONENT_BINARIES.etcd.includes(n) : () => true;
        for (const n of await extractTarGz(dest, out, wanted)) files.set(n, join(out, n));
      } else {
        files.set(name, dest);
      }
    }
    const missing = COMPONENT_BINARIES[component].filter((b) => !files.has(b));
    if (missing.length) throw new Error(`the release has no ${missing.join(", ")}`);
    return await options.cache.store(component, version, files, `download ${base(component, options.mirror)}/${version}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
