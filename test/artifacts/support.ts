/**
 * Shared pieces of the artifact tests: the real test binaries (skipped with a message when they are
 * missing, failed with KUBELAB_E2E=required), independent hashes from `sha256sum`, folders built of
 * hard links to the real binaries, labs planned from YAML, and a local HTTP mirror.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { link, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect } from "vitest";
import type { Lab } from "../../src/config/lab-schema.js";
import { UserError } from "../../src/errors.js";
import { parseLab } from "../../src/config/load-lab.js";
import { planLab, type Plan } from "../../src/plan/plan.js";

/** The folder of real test binaries (bin/, cni/, VERSIONS), built by ../shared/scripts/k8s-test-artifacts. */
export const TEST_ARTIFACTS = process.env.KUBELAB_TEST_ARTIFACTS ?? join(homedir(), ".cache", "k8s-test-artifacts", "v1.20.2");

/** True when CI demands that the tests needing real binaries run. */
export const E2E_REQUIRED = process.env.KUBELAB_E2E === "required";

/** Why the real binaries cannot be used, or undefined when they can. */
function artifactsBlocker(): string | undefined {
  for (const part of ["VERSIONS", "bin", "cni"]) {
    if (!existsSync(join(TEST_ARTIFACTS, part))) return `${join(TEST_ARTIFACTS, part)} does not exist (run ../shared/scripts/k8s-test-artifacts)`;
  }
  return statSync(join(TEST_ARTIFACTS, "bin")).isDirectory() ? undefined : `${join(TEST_ARTIFACTS, "bin")} is not a folder`;
}

/** Time allowed for each test with the real binaries. */
export const REAL_ARTIFACTS_TIMEOUT_MS = 120_000;

/** Set when the real binaries are missing. */
export const ARTIFACTS_BLOCKER = artifactsBlocker();

/**
 * `describe` for suites that need the real binaries: skipped with a console message when they are
 * missing; with KUBELAB_E2E=required the suite runs anyway and {@link requireRealArtifacts} fails it.
 */
export function describeWithArtifacts(name: string, body: () => void): void {
  if (ARTIFACTS_BLOCKER && !E2E_REQUIRED) {
    console.warn(`\n  SKIPPED "${name}": ${ARTIFACTS_BLOCKER}. These tests did NOT run (set KUBELAB_TEST_ARTIFACTS to the folder).\n`);
    describe.skip(name, body);
    return;
  }
  // Hundreds of MB are hashed, linked and served: allow for a busy machine.
  describe(name, { timeout: REAL_ARTIFACTS_TIMEOUT_MS }, () => {
    beforeAll(requireRealArtifacts);
    body();
  });
}

/** Throws (failing the suite's beforeAll) when the real binaries are missing. */
export function requireRealArtifacts(): void {
  if (ARTIFACTS_BLOCKER) throw new Error(`the artifact tests are required (KUBELAB_E2E=required) but cannot run: ${ARTIFACTS_BLOCKER}`);
}

export const KUBERNETES_BINARIES = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"];
export const ETCD_BINARIES = ["etcd", "etcdctl"];

/** The real folders of the test binaries. */
export const REAL_BIN = join(TEST_ARTIFACTS, "bin");
export const REAL_CNI = join(TEST_ARTIFACTS, "cni");

/** SHA-256 of files by `sha256sum`, which is independent of the code under test: path -> hex. */
export async function sha256sum(paths: readonly string[]): Promise<Record<string, string>> {
  if (paths.length === 0) return {};
  const { stdout } = await execa("sha256sum", ["--", ...paths]);
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match) out[match[2]!] = match[1]!;
  }
  for (const p of paths) if (!out[p]) throw new Error(`sha256sum printed nothing for ${p}`);
  return out;
}

/** SHA-256 of every file in a folder, by name. */
export async function sha256sumDir(dir: string, names?: readonly string[]): Promise<Record<string, string>> {
  const list = names ?? (await readdir(dir)).sort();
  const byPath = await sha256sum(list.map((n) => join(dir, n)));
  return Object.fromEntries(list.map((n) => [n, byPath[join(dir, n)]!]));
}

/** A fresh temporary folder. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `kubelab-${prefix}-`));
}

/** Links `from` at `to`: a hard link (no copy of hundreds of MB), a symlink across filesystems. */
export async function linkFile(from: string, to: string): Promise<void> {
  await mkdir(join(to, ".."), { recursive: true });
  await link(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EXDEV") throw error;
    await symlink(from, to);
  });
}

/**
 * A folder shaped like the real one (bin/, cni/, VERSIONS) made of links to the real binaries,
 * without the binaries named in `omit` and with the given VERSIONS text (none when undefined).
 */
export async function artifactFolderLike(options: { omit?: string[]; versions: string | undefined }): Promise<string> {
  const dir = await tempDir("artifacts");
  const omit = new Set(options.omit ?? []);
  for (const [sub, real] of [["bin", REAL_BIN], ["cni", REAL_CNI]] as const) {
    await mkdir(join(dir, sub));
    for (const name of await readdir(real)) if (!omit.has(name)) await linkFile(join(real, name), join(dir, sub, name));
  }
  if (options.versions !== undefined) {
    await writeFile(join(dir, "VERSIONS"), options.versions);
  }
  return dir;
}

/** Everything (recursively, relative paths) below a folder; [] when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  return entries.map(String).sort();
}

/** Mode bits and inode of a file. */
export async function modeOf(path: string): Promise<{ mode: number; ino: number; dev: number }> {
  const s = await stat(path);
  return { mode: s.mode & 0o7777, ino: s.ino, dev: s.dev };
}

/** What {@link labPlan} writes into the lab file. */
export interface TestLabOptions {
  kubernetesVersion?: string;
  etcdVersion?: string;
  cniVersion?: string;
  dir?: string;
  mirror?: string;
  /** network.overlay; "flannel" makes the lab run flanneld. */
  overlay?: "routes" | "vxlan" | "flannel";
  flannelVersion?: string;
  flannelSha256?: string;
}

/** A plan and the artifacts section of a lab, from YAML as a user would write it. */
export function labPlan(options: TestLabOptions = {}): {
  plan: Plan;
  artifacts: Lab["artifacts"];
} {
  const lines = [
    "name: artifacts-test",
    `kubernetesVersion: ${options.kubernetesVersion ?? "v1.20.2"}`,
    "artifacts:",
    `  etcdVersion: ${options.etcdVersion ?? "v3.4.23"}`,
    `  cniVersion: ${options.cniVersion ?? "v1.1.1"}`,
    ...(options.dir ? [`  dir: ${JSON.stringify(options.dir)}`] : []),
    ...(options.mirror ? [`  mirror: ${JSON.stringify(options.mirror)}`] : []),
    ...(options.flannelVersion ? [`  flannelVersion: ${options.flannelVersion}`] : []),
    ...(options.flannelSha256 ? [`  flannelSha256: ${options.flannelSha256}`] : []),
    "network:",
    "  nodeSubnet: 172.31.0.0/24",
    ...(options.overlay ? [`  overlay: ${options.overlay}`] : []),
    "nodes:",
    "  - name: node-1",
    "    roles: [etcd, controlplane, worker]",
  ];
  const { lab } = parseLab(`${lines.join("\n")}\n`, "artifacts-test.yaml");
  const nodeSubnet = lab.network.nodeSubnet;
  if (!nodeSubnet) throw new Error("the test lab lost its nodeSubnet");
  return { plan: planLab({ ...lab, network: { ...lab.network, nodeSubnet } }), artifacts: lab.artifacts };
}

/** What a test mirror answers for one path instead of the file: a status, or other content. */
export type MirrorOverride = { status: number } | { body: string | Buffer };

/** A mirror served over real HTTP on 127.0.0.1 from a folder. */
export interface TestMirror {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Answers replacing files, by request path; tests set and clear them. */
  overrides: Map<string, MirrorOverride>;
  close(): Promise<void>;
}

/** Serves `root` (files only, with Content-Length) on a random port of 127.0.0.1. */
export async function serveMirror(root: string): Promise<TestMirror> {
  const requests: string[] = [];
  const overrides = new Map<string, MirrorOverride>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    const override = overrides.get(path);
    if (override && "status" in override) {
      res.writeHead(override.status).end();
      return;
    }
    if (override) {
      res.writeHead(200, { "content-length": Buffer.byteLength(override.body) }).end(override.body);
      return;
    }
    const file = join(root, normalize(path));
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-length": info.size, "content-type": "application/octet-stream" });
    createReadStream(file).pipe(res);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    overrides,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL of 127.0.0.1 where nothing listens (a port that was just free). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Makes a temporary folder; `track` adds one made otherwise. All go after the file's tests. */
export interface TempDirs {
  (prefix: string): Promise<string>;
  track(dir: string): void;
}

/** Temporary folders removed after the file's tests (call once at the top level of a test file). */
export function tempDirsOfThisFile(): TempDirs {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });
  const temp = async (prefix: string): Promise<string> => {
    const dir = await tempDir(prefix);
    made.push(dir);
    return dir;
  };
  return Object.assign(temp, { track: (dir: string) => void made.push(dir) });
}

/** The UserError `promise` rejects with (and that it is one). */
export async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}
