/**
 * `lab export` and `lab import` as a user runs them (the built CLI), on a lab's state directory as
 * `lab up` writes it (its lab file with the node subnet, a real PKI, every node's files rendered
 * by the real renderer with their modes, the admin kubeconfig, its checks, its state record with a
 * binary from the lab's folder and one given with --with), with no Docker engine reachable: the
 * export still writes its bundle, saying for each unit why its journal was not read.
 *
 * Export: every rendered file that is not secret is in the bundle byte for byte, the public
 * certificates too, no private key or kubeconfig anywhere (each listed as left out), the versions,
 * binaries and hashes of the state; an existing file refused unless --force, a missing -o a usage
 * error (exit code 2). Import: a file that is not a bundle, a tar without bundle.json or lab.yaml,
 * another format version, a lab that exists, a custom binary not given again or with other content:
 * each refused with exit code 2 and nothing made; a valid import that cannot reach its provider
 * fails and leaves no state directory.
 */
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { createWriteStream } from "node:fs";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { writeFileAtomic } from "../../src/atomic-write.js";
import type { BundleManifest } from "../../src/bundle/bundle-manifest.js";
import { parseLab } from "../../src/config/load-lab.js";
import { SANDBOX_IMAGE } from "../../src/images/image-names.js";
import { LabPaths } from "../../src/lab-paths.js";
import { writeLabState } from "../../src/lab-state.js";
import { packagePath } from "../../src/package-root.js";
import type { CheckResult } from "../../src/pipeline/events.js";
import { ensurePki } from "../../src/pki/pki-store.js";
import { planLab, type Plan, type ResolvedLab } from "../../src/plan/plan.js";
import { bootUnits } from "../../src/render/boot-units.js";
import { kubeconfigFor, nodeFiles } from "../../src/render/node-files.js";
import { lab } from "../e2e/support.js";
import { tarEntries } from "./tar-entries.js";

const LAB = "zz-fed";
const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

let dir: string;
let env: NodeJS.ProcessEnv;
let paths: LabPaths;
let plan: Plan;
let custom: string;
let bundle: string;

/** Writes a gzip'd tar of `files` at `file`. */
async function packTar(file: string, files: Record<string, Buffer | string>): Promise<void> {
  const tar = pack();
  const written = pipeline(tar, createGzip(), createWriteStream(file));
  for (const [name, content] of Object.entries(files)) tar.entry({ name }, Buffer.from(content));
  tar.finalize();
  await written;
}

/** The labs that exist in the test's state home. */
const labsThere = async (): Promise<string[]> => (await readdir(join(env.KUBELAB_HOME!, "labs"))).sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubelab-bundle-cli-"));
  // No Docker engine: the export reads no journal, the import's run cannot start.
  env = { ...process.env, KUBELAB_HOME: join(dir, "home"), KUBELAB_CACHE: join(dir, "cache"), DOCKER_HOST: "unix:///nonexistent/docker.sock", NO_COLOR: "1" };

  const source = (await readFile(packagePath("labs", "fedora-multi.yaml"), "utf8")).replace(/^name: .*$/m, `name: ${LAB}`);
  const { lab: loaded } = parseLab(source, "zz-fed.yaml");
  const resolved: ResolvedLab = { ...loaded, network: { ...loaded.network, nodeSubnet: "172.30.9.0/24" } };
  paths = new LabPaths(LAB, env);
  plan = planLab(resolved);
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await writeFile(paths.labFile, stringify(resolved));
  const pki = await ensurePki(plan, paths);
  for (const node of plan.nodes) {
    for (const f of nodeFiles(plan, node, pki, { sandbox: SANDBOX_IMAGE })) await writeFileAtomic(join(paths.nodeDir(node.name), f.path), f.content, f.mode);
  }
  await writeFileAtomic(paths.adminKubeconfig, kubeconfigFor(plan, pki, { cert: "admin", user: "admin" }), 0o600);
  const checks: Partial<CheckResult>[] = [
    { check: "etcd-health", title: "etcd is healthy", node: "fed-master", status: "pass", ran: "etcdctl endpoint health", saw: "healthy", durationMs: 40 },
    { check: "nodes-ready", title: "nodes are Ready", node: "fed-node1", status: "fail", ran: "kubectl get nodes", saw: "not registered", durationMs: 90 },
  ];
  await writeFileAtomic(paths.checksFile, JSON.stringify(checks));

  // The lab's own folder of etcd binaries, and a kube-apiserver given with --with.
  const own = join(dir, "own", "bin");
  await mkdir(own, { recursive: true });
  for (const b of ["etcd", "etcdctl"]) await writeFile(join(own, b), `#!/bin/sh\necho ${b}\n`, { mode: 0o755 });
  custom = join(dir, "built", "kube-apiserver");
  await mkdir(dirname(custom), { recursive: true });
  await writeFile(custom, "#!/bin/sh\necho patched\n");
  await chmod(custom, 0o755);
  const now = new Date().toISOString();
  await writeLabState(paths, {
    lab: LAB,
    provider: "docker",
    labFile: join(dir, "zz-fed.yaml"),
    createdAt: now,
    updatedAt: now,
    phase: "up",
    green: true,
    nodeSubnet: "172.30.9.0/24",
    image: "kubelab/node:test",
    artifacts: [
      { component: "etcd", version: "v3.4.23", from: "dir", path: own },
      { component: "kubernetes", binary: "kube-apiserver", version: "custom", from: "custom", path: custom, sha256: sha256(await readFile(custom)) },
    ],
    with: { "kube-apiserver": custom },
  });
  bundle = join(dir, "zz.tar.gz");
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("lab export", () => {
  it("writes the lab's bundle without a reachable provider, saying why no journal was read", async () => {
    const r = await lab(["export", LAB, "-o", bundle, "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    const result = JSON.parse(r.stdout) as { file: string; journals: { read: number; notRead: number }; leftOut: string[] };
    expect(result.file).toBe(bundle);
    const units = plan.nodes.flatMap((n) => bootUnits(plan, n));
    expect(result.journals).toEqual({ read: 0, notRead: units.length });
    expect(await readdir(dir)).toEqual(expect.arrayContaining(["zz.tar.gz"]));
    expect((await readdir(dir)).filter((f) => f.startsWith("."))).toEqual([]);

    const files = await tarEntries(bundle);
    const manifest = JSON.parse(files.get("bundle.json")!.content.toString()) as BundleManifest;
    expect(manifest.journals).toHaveLength(units.length);
    for (const j of manifest.journals) expect(j.notRead).toMatch(/^the docker provider could not be reached: failed to reach the Docker engine/);
    expect([...files.keys()].some((f) => f.startsWith("journals/"))).toBe(false);
  });

  it("holds every rendered file that is not secret byte for byte, the public certificates, and no key or kubeconfig", async () => {
    const files = await tarEntries(bundle);
    for (const [name, f] of files) {
      expect(f.content.includes("PRIVATE KEY"), name).toBe(false);
      expect(f.content.includes("client-key-data"), name).toBe(false);
    }
    const manifest = JSON.parse(files.get("bundle.json")!.content.toString()) as BundleManifest;
    const leftOut = manifest.leftOut.map((l) => l.path);
    for (const node of plan.nodes) {
      const rendered = nodeFiles(plan, node, { get: () => ({ certPem: "", keyPem: "" }), serviceAccount: { privateKeyPem: "", publicKeyPem: "" } }, { sandbox: SANDBOX_IMAGE });
      for (const f of rendered) {
        const name = `nodes/${node.name}${f.path}`;
        const onDisk = await readFile(join(paths.nodeDir(node.name), f.path));
        if (f.mode === 0o600) {
          expect(files.has(name), name).toBe(false);
          expect(leftOut, name).toContain(name);
        } else {
          expect(files.get(name)?.content.equals(onDisk), name).toBe(true);
          expect(files.get(name)!.mode, name).toBe(f.mode);
        }
      }
      for (const unit of bootUnits(plan, node).filter((u) => u !== "containerd")) {
        expect([...files.keys()].some((f) => f.startsWith(`nodes/${node.name}/etc/systemd/system/${unit}.service`)), `${node.name} ${unit}`).toBe(true);
      }
    }
    expect(files.get("pki/ca.crt")!.content.equals(await readFile(paths.cert("ca")))).toBe(true);
    expect(files.has("pki/service-account.pub")).toBe(true);
    expect(leftOut).toEqual(expect.arrayContaining(["pki/ca.key", "pki/service-account.key", "kubeconfig/admin.kubeconfig", "nodes/fed-master/etc/kubernetes/admin.kubeconfig"]));
    expect(files.get("lab.yaml")!.content.equals(await readFile(paths.labFile))).toBe(true);
    expect(files.get("checks.json")!.content.equals(await readFile(paths.checksFile))).toBe(true);
    expect(manifest.checks).toEqual({ pass: 1, fail: 1, notRun: 0 });
  });

  it("records the versions, binaries with their hashes, the nodes and the image", async () => {
    const manifest = JSON.parse((await tarEntries(bundle)).get("bundle.json")!.content.toString()) as BundleManifest;
    expect(manifest).toMatchObject({ format: "kubelab-bundle", formatVersion: 1, lab: LAB, provider: "docker", phase: "up", nodeSubnet: "172.30.9.0/24" });
    expect(manifest.versions).toEqual({ kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1", flannel: "v0.22.0" });
    expect(manifest.nodeImage).toEqual({ name: "kubelab/node:test" });
    const customHash = sha256(await readFile(custom));
    expect(manifest.custom).toEqual([{ name: "kube-apiserver", component: "kubernetes", sha256: customHash }]);
    expect(manifest.binaries).toEqual([
      { name: "kube-apiserver", component: "kubernetes", version: "custom", from: "custom", source: `--with ${custom}`, sha256: customHash },
      ...(["etcd", "etcdctl"] as const).map((b) => ({ name: b, component: "etcd", version: "v3.4.23", from: "dir", source: `artifacts.dir ${join(dir, "own", "bin")}`, sha256: sha256(`#!/bin/sh\necho ${b}\n`) })),
    ]);
    expect(manifest.nodes).toEqual(plan.nodes.map((n) => ({ name: n.name, roles: [...n.roles], ip: n.ip })));
  });

  it("refuses an existing file unless --force, and a missing -o", async () => {
    const taken = join(dir, "taken.tar.gz");
    await writeFile(taken, "mine");
    const refused = await lab(["export", LAB, "-o", taken], env);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/failed to write bundle .*taken\.tar\.gz: the file exists\n {2}hint: pick another -o, or add --force to replace it/);
    expect(await readFile(taken, "utf8")).toBe("mine");
    const forced = await lab(["export", LAB, "-o", taken, "--force"], env);
    expect(forced.exitCode, forced.all).toBe(0);
    expect(forced.stdout).toMatch(new RegExp(`^lab ${LAB} exported to ${taken}: \\d+ files`));
    expect((await tarEntries(taken)).has("bundle.json")).toBe(true);

    const noOutput = await lab(["export", LAB], env);
    expect(noOutput.exitCode).toBe(2);
    expect(noOutput.stderr).toMatch(/required option '-o, --output <file>' not specified/);
    const noLab = await lab(["export", "zz-none", "-o", join(dir, "none.tar.gz")], env);
    expect(noLab.exitCode).toBe(1);
    expect(noLab.stderr).toMatch(/failed to find lab zz-none: it is not up/);
    await expect(stat(join(dir, "none.tar.gz"))).rejects.toThrow();
  });
});

describe("lab import", () => {
  it("refuses a file that is not a bundle, and makes nothing", async () => {
    const before = await labsThere();
    const text = join(dir, "notes.txt");
    await writeFile(text, "not a bundle\n");
    const noTar = join(dir, "no-manifest.tar.gz");
    await packTar(noTar, { "lab.yaml": await readFile(paths.labFile) });
    const files = await tarEntries(bundle);
    const manifest = JSON.parse(files.get("bundle.json")!.content.toString()) as Record<string, unknown>;
    const future = join(dir, "future.tar.gz");
    await packTar(future, { "bundle.json": JSON.stringify({ ...manifest, formatVersion: 2 }), "lab.yaml": files.get("lab.yaml")!.content });
    const noLabFile = join(dir, "no-lab.tar.gz");
    await packTar(noLabFile, { "bundle.json": files.get("bundle.json")!.content });

    const cases: [string, RegExp][] = [
      [text, /it is not a gzip'd tar written by lab export/],
      [noTar, /it is not a kubelab bundle \(it has no bundle\.json\)/],
      [future, /unknown bundle format version 2 \(made by kubelab [^)]+\); this kubelab reads version 1/],
      [noLabFile, /it has no lab\.yaml/],
      [join(dir, "absent.tar.gz"), /no such file/],
    ];
    for (const [file, message] of cases) {
      const r = await lab(["import", file, "--name", "zz-copy", "--with", `kube-apiserver=${custom}`], env);
      expect(r.exitCode, `${file}: ${r.all}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
      expect(await labsThere()).toEqual(before);
    }
    const json = await lab(["import", text, "--json"], env);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ type: "error", exitCode: 2, error: { message: expect.stringMatching(/failed to read bundle/) } });
  });

  it("refuses a lab that exists, and custom binaries not given again or with other content", async () => {
    const before = await labsThere();
    const exists = await lab(["import", bundle, "--with", `kube-apiserver=${custom}`], env);
    expect(exists.exitCode).toBe(2);
    expect(exists.stderr).toMatch(`failed to import lab ${LAB}: a lab of that name exists`);
    expect(exists.stderr).toMatch(/hint: import it under another name: lab import .* --name zz-fed-copy/);

    const hash = sha256(await readFile(custom));
    const missing = await lab(["import", bundle, "--name", "zz-copy"], env);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(`it ran custom binaries not given here: kube-apiserver (sha256 ${hash})`);
    const other = join(dir, "other-apiserver");
    await writeFile(other, "#!/bin/sh\necho another build\n", { mode: 0o755 });
    const differs = await lab(["import", bundle, "--name", "zz-copy", "--with", `kube-apiserver=${other}`], env);
    expect(differs.exitCode).toBe(2);
    expect(differs.stderr).toMatch(`the bundle's lab ran kube-apiserver with sha256 ${hash}`);
    expect(await labsThere()).toEqual(before);
  });

  it("leaves no state directory when the run cannot start (no provider)", async () => {
    const r = await lab(["import", bundle, "--name", "zz-copy", "--with", `kube-apiserver=${custom}`], env);
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stderr).toMatch(/failed to reach the Docker engine/);
    expect(await labsThere()).toEqual([LAB]);
  });
});
