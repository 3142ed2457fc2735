/**
 * The real tools the validator tests run (Kubernetes v1.20.2 binaries and CNI plugins,
 * systemd-analyze, openssl, Docker with the node image, ip and iptables as root), how to find
 * them, and the skip-or-fail rule: a test whose tool is missing is skipped with a message saying
 * what did not run and why, unless KUBELAB_E2E=required, in which case it fails.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll } from "vitest";
import { currentNodeImage } from "../../src/providers/docker/node-image.js";

/** True when the environment asks for every end-to-end test to run. */
export const E2E_REQUIRED = process.env.KUBELAB_E2E === "required";

/** The folder of the real Kubernetes v1.20.2 test binaries (bin/...). */
export const ARTIFACTS_DIR =
  process.env.KUBELAB_TEST_ARTIFACTS || join(homedir(), ".cache", "k8s-test-artifacts", "v1.20.2");

/** A binary of the test artifacts. */
export function artifactBin(name: string): string {
  return join(ARTIFACTS_DIR, "bin", name);
}

/** A CNI plugin of the test artifacts (cni/...). */
export function artifactCniPlugin(name: string): string {
  return join(ARTIFACTS_DIR, "cni", name);
}

/** Why each of the CNI plugins `names` is unusable (empty when all are executable files). */
export async function missingCniPlugins(names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const path = artifactCniPlugin(name);
    try {
      await access(path, constants.X_OK);
    } catch {
      missing.push(`${path} is missing or not executable (set KUBELAB_TEST_ARTIFACTS to the v1.20.2 test artifacts, with their CNI plugins)`);
    }
  }
  return missing;
}

/** Why each of `names` is unusable (empty when all are executable files). */
export async function missingBinaries(names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) {
    const path = artifactBin(name);
    try {
      await access(path, constants.X_OK);
    } catch {
      missing.push(`${path} is missing or not executable (set KUBELAB_TEST_ARTIFACTS to the v1.20.2 test artifacts)`);
    }
  }
  return missing;
}

/** Why `command args` cannot run (empty when it exits 0). */
export async function missingCommand(command: string, args: readonly string[]): Promise<string[]> {
  const result = await execa(command, args, { reject: false, timeout: 20_000 });
  if (result.exitCode === 0) return [];
  const why = result.failed && result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`;
  return [`\`${command} ${args.join(" ")}\` does not work here (${why})`];
}

/** The node image to run containerd from: the CLI's current one, else the newest kubelab/node. */
export async function findNodeImage(): Promise<{ image: string | undefined; missing: string[] }> {
  const listed = await execa("docker", ["images", "kubelab/node", "--format", "{{.Repository}}:{{.Tag}}"], {
    reject: false,
    timeout: 30_000,
  });
  if (listed.exitCode !== 0) {
    const why = listed.stderr.trim().split("\n")[0] || listed.shortMessage;
    return { image: undefined, missing: [`the Docker engine is not reachable (\`docker images\`: ${why})`] };
  }
  const images = listed.stdout.split("\n").filter((line) => line !== "" && !line.endsWith(":<none>"));
  const current = await currentNodeImage();
  if (images.includes(current)) return { image: current, missing: [] };
  // `docker images` lists the newest first.
  const newest = images[0];
  if (newest === undefined) {
    return { image: undefined, missing: ["no kubelab/node image is built (run `lab image build`)"] };
  }
  console.warn(`[test/render] the current node image ${current} is not built; using the newest, ${newest}`);
  return { image: newest, missing: [] };
}

/**
 * Decides whether a suite runs. Returns true (skip) when something is missing and the end-to-end
 * tests are not required, after printing what is skipped and why. When they are required the suite
 * runs and {@link failWhenMissing} makes it fail.
 */
export function skipUnlessAvailable(suite: string, missing: readonly string[]): boolean {
  if (missing.length === 0 || E2E_REQUIRED) return false;
  console.warn(
    [
      `[test/render] SKIPPED: ${suite}`,
      ...missing.map((why) => `  - ${why}`),
      "  (set KUBELAB_E2E=required to make this a failure instead of a skip)",
    ].join("\n"),
  );
  return true;
}

/** Inside a describe: fail every test of the suite when a tool it needs is missing. */
export function failWhenMissing(suite: string, missing: readonly string[]): void {
  beforeAll(() => {
    if (missing.length > 0) {
      throw new Error(`KUBELAB_E2E=required but ${suite} cannot run:\n${missing.map((m) => `  - ${m}`).join("\n")}`);
    }
  });
}

/**
 * Binaries a rendered unit runs that cannot be obtained on this machine, with why. Unlike a missing
 * tool of the setup, these are not made a failure by KUBELAB_E2E=required: the suites skip exactly
 * the checks that need them (as visible skipped tests, with {@link announceUnchecked}) and keep
 * checking everything else of the same nodes. Nothing stands in for them: no stub binary, no
 * made-up --help. flannel's configuration is still proven against a real etcd (flannel-etcd.test.ts).
 */
export const UNOBTAINABLE_BINARIES: ReadonlyMap<string, string> = new Map([
  ["flanneld", "no flanneld binary can be obtained on this machine (it is not among the test artifacts)"],
]);

/** True when `binary` (a name or a path) is one of {@link UNOBTAINABLE_BINARIES}. */
export function unobtainable(binary: string): boolean {
  return UNOBTAINABLE_BINARIES.has(binary.slice(binary.lastIndexOf("/") + 1));
}

/** Says, on the console, which checks of a suite did not run because their binary cannot be had here. */
export function announceUnchecked(suite: string, check: string, items: ReadonlyArray<{ binary: string; where: string }>): void {
  if (items.length === 0) return;
  const binaries = [...new Set(items.map((i) => i.binary))];
  console.warn(
    [
      `[test/render] NOT CHECKED in "${suite}": ${check}`,
      ...binaries.map((b) => `  - ${b}: ${UNOBTAINABLE_BINARIES.get(b) ?? "not available here"}`),
      ...items.map((i) => `  - skipped: ${i.where}`),
      "  Every other unit of these nodes IS checked with its real binary.",
    ].join("\n"),
  );
}
