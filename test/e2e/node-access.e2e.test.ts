/**
 * End to end, reaching into a running lab from the host: a one-node lab (systemd control plane)
 * brought up from a path, then
 *
 * - `lab shell` on a real terminal (a pseudo-terminal made by `script`): a root login shell in
 *   the node, the terminal's size passed on, the shell's exit code passed back; with stdout not a
 *   terminal, a usage error;
 * - `lab logs -f`: the journal followed as it is written (a line logged in the node after the
 *   follow started shows up), Ctrl-C (SIGINT) ends it with exit code 130 and leaves no journalctl
 *   (nor its helper) running in the node; one unit followed;
 * - `lab kubeconfig --merge`: the real kubectl, from another folder, lists the lab's node through
 *   context `lab-NAME` of a kubeconfig that already had another context; `--unmerge` leaves that
 *   other context alone;
 * - bash completion of the lab's node and of its units, from its state;
 *
 * and `lab down` leaving nothing behind.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packagePath } from "../../src/package-root.js";
import { onTerminal, terminalBlocker } from "../cli/terminal.js";
import { e2eSkipReason, importTestArtifacts, isolatedEnv, lab, labelled, TEST_ARTIFACTS } from "./support.js";

const NAME = "e2e-access";
const NODE = "access1";
const skip = await e2eSkipReason("node access (shell, logs -f, kubeconfig, completion)");
const noTerminal = await terminalBlocker();
if (!skip && noTerminal) console.warn(`\n  SKIPPED the lab shell end-to-end test: ${noTerminal}. It did NOT run.\n`);

const LAB_FILE = `name: ${NAME}
description: one node for lab shell, lab logs -f and lab kubeconfig
kubernetesVersion: v1.20.2
controlPlane: systemd
artifacts:
  etcdVersion: v3.4.23
  cniVersion: v1.1.1
nodes:
  - name: ${NODE}
    roles: [etcd, controlplane, worker]
checks: [etcd-health, nodes-ready]
`;

/** Polls `probe` until it is true (rejects with `what` after `timeoutMs`). */
async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(skip)("reaching into a lab: shell, logs -f, kubeconfig, completion", () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;

  /** Whether a process called exactly `name` runs in the node. */
  async function runsInNode(name: string): Promise<boolean> {
    const r = await lab(["exec", NAME, NODE, "--", "pgrep", "-x", name], env);
    return r.exitCode === 0;
  }

  /** `lab logs ARGS -f` running, its output collected. */
  function follow(args: string[]): { child: ResultPromise; output: () => string } {
    const child = execa(process.execPath, [packagePath("dist", "cli", "main.js"), "logs", NAME, NODE, ...args, "-f"], { env, reject: false, timeout: 120_000 });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    return { child, output: () => output };
  }

  beforeAll(async () => {
    env = await isolatedEnv();
    dir = await mkdtemp(join(tmpdir(), "kubelab-access-"));
    await importTestArtifacts(env);
    const file = join(dir, `${NAME}.yaml`);
    await writeFile(file, LAB_FILE);
    // lab up takes a path.
    const up = await lab(["up", file], env);
    if (up.exitCode !== 0) throw new Error(`lab up ${file} failed:\n${up.all}`);
  }, 300_000);

  afterAll(async () => {
    if (!env) return;
    const down = await lab(["down", NAME], env);
    expect(down.exitCode, down.all).toBe(0);
    expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it.skipIf(noTerminal !== undefined)("lab shell: a root login shell in the node, the terminal's size, the exit code", async () => {
    const run = onTerminal(["shell", NAME, NODE], { cwd: dir, env, columns: 123, rows: 45 });
    await run.waitFor(new RegExp(`root@${NODE}:~# `));
    run.type('echo "I am $(id -un) on $(hostname) in $PWD"; stty size; exit 7\r');
    const { exitCode, output } = await run.ended();
    expect(output).toContain(`I am root on ${NODE} in /root`);
    expect(output).toMatch(/^45 123\r?$/m);
    expect(exitCode).toBe(7);

    const piped = onTerminal(["shell", NAME, NODE], { cwd: dir, env, suffix: ` > ${join(dir, "shell-out")}` });
    const refused = await piped.ended();
    expect(refused.output).toContain(`error: failed to open a shell on node ${NODE}: stdout is not a terminal`);
    expect(refused.exitCode).toBe(2);
  });

  it("lab logs -f: new entries as they are written, Ctrl-C ends it with exit code 130, nothing left in the node", async () => {
    const mark = `kubelab-follow-${process.pid}-${Date.now()}`;
    const run = follow(["-n", "0"]);
    await eventually("journalctl -f starting in the node", () => runsInNode("journalctl"));
    const logged = await lab(["exec", NAME, NODE, "--", "logger", "-t", "kubelab-e2e", mark], env);
    expect(logged.exitCode, logged.all).toBe(0);
    await eventually(`the line ${mark} reaching lab logs -f`, async () => run.output().includes(mark));
    expect(run.output()).toMatch(new RegExp(`${NODE} kubelab-e2e\\[\\d+\\]: ${mark}`));

    run.child.kill("SIGINT");
    const ended = await run.child;
    expect(ended.exitCode, String(ended.stderr)).toBe(130);
    expect(String(ended.stderr)).toBe("");
    await eventually("journalctl ending in the node", async () => !(await runsInNode("journalctl")), 10_000);
    expect(await runsInNode("cat")).toBe(false);
  });

  it("lab logs UNIT -f: one unit's journal", async () => {
    const run = follow(["etcd", "-n", "5"]);
    await eventually("etcd's journal", async () => run.output().split("\n").filter(Boolean).length >= 5);
    const lines = run.output().split("\n").filter(Boolean);
    for (const line of lines) expect(line).toMatch(new RegExp(`^\\S+ \\d+ [\\d:]+ ${NODE} (etcd|systemd)\\[\\d+\\]: `));
    run.child.kill("SIGINT");
    expect((await run.child).exitCode).toBe(130);
    await eventually("journalctl ending in the node", async () => !(await runsInNode("journalctl")), 10_000);
  });

  it("lab kubeconfig --merge: the real kubectl reaches the lab as lab-NAME, next to another context", async () => {
    const kubectl = join(TEST_ARTIFACTS, "bin", "kubectl");
    const kubeconfig = join(dir, "kube", "config");
    await mkdir(join(dir, "kube"));
    const elsewhere = await mkdtemp(join(tmpdir(), "kubelab-elsewhere-"));
    const run = (args: string[]) => execa(kubectl, args, { cwd: elsewhere, env: { ...env, KUBECONFIG: kubeconfig }, reject: false, timeout: 30_000 });
    try {
      for (const args of [
        ["config", "set-cluster", "other", "--server=https://10.9.9.9:6443"],
        ["config", "set-credentials", "other", "--token=t"],
        ["config", "set-context", "other", "--cluster=other", "--user=other"],
        ["config", "use-context", "other"],
      ]) expect((await run(args)).exitCode).toBe(0);

      const merged = await lab(["kubeconfig", NAME, "--merge"], { ...env, KUBECONFIG: kubeconfig });
      expect(merged.exitCode, merged.all).toBe(0);
      const nodes = await run(["--context", `lab-${NAME}`, "get", "nodes", "-o", "name"]);
      expect(nodes.exitCode, nodes.stderr).toBe(0);
      expect(nodes.stdout.trim()).toBe(`node/${NODE}`);
      expect((await run(["config", "current-context"])).stdout.trim()).toBe("other");

      const unmerged = await lab(["kubeconfig", NAME, "--unmerge"], { ...env, KUBECONFIG: kubeconfig });
      expect(unmerged.exitCode, unmerged.all).toBe(0);
      expect((await run(["config", "get-contexts", "-o", "name"])).stdout.trim()).toBe("other");
      expect((await run(["--context", `lab-${NAME}`, "get", "nodes"])).exitCode).not.toBe(0);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("bash completion offers the lab, its node and the node's units", async () => {
    const script = join(dir, "lab.bash");
    const generated = await lab(["completion", "bash"], env);
    await writeFile(script, generated.stdout);
    const complete = async (words: string[]): Promise<string[]> => {
      const line = words.map((w) => `'${w}'`).join(" ");
      const r = await execa("bash", ["--noprofile", "--norc", "-c", `source '${script}'; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _lab_completion; printf '%s\\n' "\${COMPREPLY[@]}"`], { env, reject: false });
      return r.stdout.split("\n").filter(Boolean);
    };
    expect(await complete(["lab", "shell", "e2e-ac"])).toEqual([NAME]);
    expect(await complete(["lab", "shell", NAME, ""])).toEqual([NODE]);
    expect(await complete(["lab", "logs", NAME, NODE, ""])).toEqual(expect.arrayContaining(["containerd", "etcd", "kube-apiserver", "kubelet", "kube-proxy"]));
  });
});
