/**
 * Shared pieces of the end-to-end tests: whether they can run here (a Docker engine, the test
 * binaries), running the real CLI, reading what the engine holds for a lab, and the host's sysctls.
 *
 * Without Docker or the binaries the suites are skipped with a message saying so; with
 * KUBELAB_E2E=required (CI) they fail instead.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { execa } from "execa";
import { labFromState } from "../../src/lab/lab-from-state.js";
import { bootUnits } from "../../src/render/boot-units.js";
import { packagePath } from "../../src/package-root.js";
import type { LabContext } from "../../src/pipeline/lab-context.js";
import { scratchDir } from "../scratch-dir.js";

/** The folder of Kubernetes test binaries (built by ../shared/scripts/k8s-test-artifacts). */
export const TEST_ARTIFACTS = process.env.KUBELAB_TEST_ARTIFACTS ?? join(homedir(), ".cache", "k8s-test-artifacts", "v1.20.2");

/** True when CI demands the end-to-end tests. */
export const E2E_REQUIRED = process.env.KUBELAB_E2E === "required";

/** Why the end-to-end tests cannot run here, or undefined when they can. */
export async function e2eBlocker(): Promise<string | undefined> {
  try {
    await Promise.race([new Docker().ping(), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 3000))]);
  } catch {
    return "no Docker engine is reachable";
  }
  try {
    await readFile(join(TEST_ARTIFACTS, "VERSIONS"));
  } catch {
    return `no test binaries in ${TEST_ARTIFACTS} (run ../shared/scripts/k8s-test-artifacts)`;
  }
  return undefined;
}

/** Resolves the blocker once per suite and says plainly when the suite will not run. */
export async function e2eSkipReason(suite: string): Promise<string | undefined> {
  const blocker = await e2eBlocker();
  if (blocker && E2E_REQUIRED) throw new Error(`end-to-end tests are required (KUBELAB_E2E=required) but cannot run: ${blocker}`);
  if (blocker) console.warn(`\n  SKIPPED end-to-end suite "${suite}": ${blocker}. These tests did NOT run.\n`);
  return blocker;
}


/** An isolated state home for one suite (the artifact cache and node image are shared). */
export async function isolatedEnv(): Promise<NodeJS.ProcessEnv> {
  const home = await scratchDir("kubelab-e2e-");
  return { ...process.env, KUBELAB_HOME: home, NO_COLOR: "1", CI: "1" };
}

/** What a CLI run printed and how it ended. */
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved. */
  all: string;
}

/** Puts the test binaries into the (shared) artifact cache through the CLI. */
export async function importTestArtifacts(env: NodeJS.ProcessEnv): Promise<void> {
  const r = await lab(["artifacts", "import", TEST_ARTIFACTS], env);
  if (r.exitCode !== 0) throw new Error(`lab artifacts import failed: ${r.all}`);
}

/** Runs the built CLI (`node dist/cli/main.js ...`) and never throws on a non-zero exit. */
export async function lab(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const r = await execa("node", [packagePath("dist", "cli", "main.js"), ...args], { env, reject: false, all: true, timeout: 300_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
}

/** JSON lines of a `--json` run. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Writes a copy of a shipped lab file under a new name, with optional text replacements. */
export async function labFileCopy(labFile: string, name: string, replace: [string | RegExp, string][] = []): Promise<string> {
  let text = await readFile(packagePath("labs", `${labFile}.yaml`), "utf8");
  text = text.replace(/^name: .*$/m, `name: ${name}`);
  for (const [from, to] of replace) text = text.replace(from, to);
  const dir = await scratchDir("kubelab-lab-");
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, text);
  return path;
}

/** labs/fedora-multi.yaml named `name` with another overlay than flannel, without the flannel-only checks. */
export function fedoraOverlayVariant(name: string, overlay: "vxlan" | "routes"): Promise<string> {
  return labFileCopy("fedora-multi", name, [
    ["overlay: flannel", `overlay: ${overlay}`],
    ["  - flannel-subnet-env\n", ""],
    ["  - flannel-leases\n", ""],
  ]);
}

/** Everything the engine holds labelled for a lab. */
export async function labelled(labName: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const docker = new Docker();
  const filters = { label: [`io.kubelab.lab=${labName}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => c.Names[0] ?? c.Id),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}

/** Keys whose values change on their own (counters, random numbers). */
const VOLATILE = /random|ns_last_pid|pty\.nr|inode-nr|inode-state|file-nr|dentry-state|conntrack_count|fs\.quota|kernel\.tainted|perf_event|stat_interval|^net\.ipv[46]\.(conf|neigh)\.(veth|br-|docker)/;

/** The host's sysctls (those readable, without volatile counters). */
export async function hostSysctls(): Promise<Map<string, string>> {
  const { stdout } = await execa("sysctl", ["-a"], { reject: false });
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf(" = ");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    if (!VOLATILE.test(key)) out.set(key, line.slice(eq + 3));
  }
  return out;
}

/** Sysctls present in both snapshots whose values differ, as "key: before -> after". */
export function sysctlChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [key, value] of before) {
    const now = after.get(key);
    if (now !== undefined && now !== value) changes.push(`${key}: ${value} -> ${now}`);
  }
  return changes;
}

/** A context for calling the core's functions (checks, node commands) on a lab the CLI brought up. */
export async function labContext(name: string, env: NodeJS.ProcessEnv): Promise<LabContext> {
  const { plan, provider, paths } = await labFromState(name, env);
  return { plan, provider, paths, emit: () => undefined, signal: new AbortController().signal };
}

/** What must stay as it is when an unchanged lab is brought up again. */
export interface LabFingerprint {
  /** Every file of the lab's PKI (certificates and keys) by its SHA-256. */
  pki: Record<string, string>;
  /** Each node's units by systemd invocation ID (a restart gives a new one). */
  units: Record<string, string>;
  /** Each node's Kubernetes processes (units and static pods alike) by node, binary and PID (a restart gives a new PID). */
  processes: Record<string, string>;
}

/** Reads a lab's {@link LabFingerprint}. */
export async function labFingerprint(name: string, env: NodeJS.ProcessEnv): Promise<LabFingerprint> {
  const { plan, provider, paths } = await labFromState(name, env);
  const pki: Record<string, string> = {};
  for (const f of (await readdir(paths.pkiDir)).sort()) pki[f] = createHash("sha256").update(await readFile(join(paths.pkiDir, f))).digest("hex");
  const units: Record<string, string> = {};
  const processes: Record<string, string> = {};
  for (const node of plan.nodes) {
    const list = bootUnits(plan, node).filter((u) => u !== "kubelab-hosts" && u !== "kubelab-network" && u !== "kubelab-flannel-cni");
    // One value per unit, the units' blocks separated by empty lines.
    const r = await provider.exec(name, node.name, ["systemctl", "show", "-p", "InvocationID", "--value", ...list]);
    const ids = r.stdout.split("\n\n").map((id) => id.trim());
    if (ids.length !== list.length) throw new Error(`unexpected systemctl show output for ${list.join(" ")}: ${r.stdout}`);
    list.forEach((unit, i) => (units[`${node.name}/${unit}`] = ids[i]!));
    // Static pods are processes of the node too: their PIDs change when kubelet restarts them.
    const ps = await provider.exec(name, node.name, ["pgrep", "-a", "-f", "^/usr/local/bin/(kube|etcd )"]);
    for (const line of ps.stdout.trim().split("\n").filter(Boolean)) {
      const [pid, binary] = line.split(" ");
      processes[`${node.name}/${binary!.replace("/usr/local/bin/", "")}`] = pid!;
    }
  }
  return { pki, units, processes };
}
