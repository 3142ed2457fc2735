/**
 * End to end, against the real Docker engine: labs survive what users do to them. `lab up` killed
 * with -9 at five points of the pipeline converges to green when run again; a second command on a
 * lab that is being changed fails at once; Ctrl-C stops within 2 s and says what state the lab is
 * in; nodes stopped behind kubelab's back (as a restarted Docker engine leaves them) come back
 * with `lab start`, with the same addresses and certificates; `lab down` removes a lab whose state
 * directory is gone; two labs run side by side and `lab down --all` removes both. Throughout, the
 * host's sysctls, its iptables rules outside the labs' own networks and its files outside the
 * state and cache directories stay as they were.
 */
import { rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheHome } from "../../src/lab-paths.js";
import { packagePath } from "../../src/package-root.js";
import type { CheckResult, LabEvent } from "../../src/pipeline/events.js";
import {
  E2E_REQUIRED,
  e2eSkipReason,
  hostSysctls,
  importTestArtifacts,
  isolatedEnv,
  jsonLines,
  lab,
  labelled,
  labFileCopy,
  labFingerprint,
  sysctlChanges,
} from "./support.js";

const NAME = "e2e-survive";
const OTHER = "e2e-survive-b";
const skip = await e2eSkipReason("labs that survive");

/** `lab up FILE --json` running in the background, with its events as they come. */
interface RunningUp {
  process: ResultPromise;
  events: LabEvent[];
  /** Resolves once a step-start of `step` has been printed. */
  reached(step: string): Promise<void>;
}

function startUp(file: string, env: NodeJS.ProcessEnv): RunningUp {
  const child = execa("node", [packagePath("dist", "cli", "main.js"), "up", file, "--json"], { env, reject: false, buffer: false });
  const events: LabEvent[] = [];
  const waiters: { step: string; resolve: () => void }[] = [];
  let pending = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line) as LabEvent;
      events.push(event);
      if (event.type === "step-start") for (const w of waiters.filter((x) => x.step === event.step)) w.resolve();
    }
  });
  child.stderr!.resume();
  return {
    process: child,
    events,
    reached: (step) =>
      new Promise<void>((resolve, reject) => {
        if (events.some((e) => e.type === "step-start" && e.step === step)) return resolve();
        waiters.push({ step, resolve });
        void child.then(() => reject(new Error(`lab up ended before step ${step}: ${JSON.stringify(events.at(-1))}`)));
      }),
  };
}

/** The checks of a run that must be green: none failed, most passed. */
function expectGreen(stdout: string, all: string): void {
  const events = jsonLines(stdout);
  expect(events.at(-1), all).toMatchObject({ type: "run-end", status: "ok" });
  const results = events.filter((e) => e.type === "check").map((e) => e.result as CheckResult);
  expect(results.filter((r) => r.status === "fail")).toEqual([]);
  expect(results.filter((r) => r.status === "pass").length).toBeGreaterThanOrEqual(7);
}

/** The host's iptables rules (IPv4), without packet counters. */
async function iptablesRules(): Promise<string[]> {
  const { stdout } = await execa("iptables-save", [], { reject: false });
  return stdout
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/g, "[0:0]"));
}

/** The Linux bridges of the Docker networks labelled for these labs (their rules are the labs' own). */
async function labBridges(labs: string[]): Promise<{ bridges: string[]; subnets: string[] }> {
  const docker = new Docker();
  // (Docker ANDs label filters: ask for every lab's networks, keep these labs'.)
  const networks = (await docker.listNetworks({ filters: { label: ["io.kubelab.lab"] } })).filter((n) => labs.includes(n.Labels?.["io.kubelab.lab"] ?? ""));
  return {
    bridges: networks.map((n) => `br-${n.Id.slice(0, 12)}`),
    subnets: networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? "")).filter(Boolean),
  };
}

/** Rules present now and not before that mention none of the labs' bridges or subnets. */
function foreignRules(before: string[], now: string[], own: { bridges: string[]; subnets: string[] }): string[] {
  const had = new Set(before);
  return now.filter((r) => !had.has(r) && !r.startsWith(":") && !r.startsWith("*") && r !== "COMMIT").filter((r) => ![...own.bridges, ...own.subnets].some((x) => r.includes(x)));
}

/**
 * Files changed since `marker` outside the places a lab may write (its state home and the cache)
 * and the stores of the tools it drives (the Docker engine's; Vagrant's, whose every command, as
 * `lab down --all` asks each provider, takes its machine index lock), in the host's configuration
 * and home folders.
 */
async function changedHostFiles(marker: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const vagrantHome = env.VAGRANT_HOME ?? join(homedir(), ".vagrant.d");
  const allowed = [env.KUBELAB_HOME!, cacheHome(env), "/var/lib/docker", "/var/lib/containerd", "/var/log", vagrantHome];
  const roots = ["/etc", "/root", "/usr", "/opt", "/var/lib", "/var/log", "/boot", "/srv", "/home"];
  const { stdout } = await execa("find", [...roots, "-xdev", "-newer", marker, "-not", "-type", "d"], { reject: false });
  return stdout
    .split("\n")
    .filter(Boolean)
    .filter((f) => !allowed.some((a) => f === a || f.startsWith(`${a}/`)))
    // npm's and Node's own caches, written by the test runner itself, not by a lab.
    .filter((f) => !/^\/root\/\.(npm|cache\/(node|vitest|typescript))\//.test(f));
}

describe.skipIf(skip)("labs that survive (Docker)", () => {
  let env: NodeJS.ProcessEnv;
  let sysctlsBefore: Map<string, string>;
  let iptablesBefore: string[];
  let marker: string;
  /** Labs other than this suite's that exist on the engine (lab down --all would remove them). */
  let foreignLabs: string[] = [];

  beforeAll(async () => {
    env = await isolatedEnv();
    marker = join(env.KUBELAB_HOME!, "marker");
    await writeFile(marker, "");
    sysctlsBefore = await hostSysctls();
    iptablesBefore = await iptablesRules();
    await importTestArtifacts(env);
    const held = await new Docker().listContainers({ all: true, filters: { label: ["io.kubelab.lab"] } });
    foreignLabs = [...new Set(held.map((c) => c.Labels["io.kubelab.lab"]!))].filter((l) => l !== NAME && l !== OTHER);
  }, 120_000);

  afterAll(async () => {
    if (!env) return;
    await lab(["down", NAME], env);
    await lab(["down", OTHER], env);
  }, 120_000);

  it("converges to green after lab up is killed with -9 at each of five points, and one command at a time changes it", async () => {
    const points = ["nodes", "files", "kubelet", "control-plane", "checks"];
    const report: string[] = [];
    for (const [i, step] of points.entries()) {
      // Each round is a changed lab file (its description), so lab up runs every step over the
      // nodes of the round before: the kill lands mid-pipeline on a lab that exists.
      const file = await labFileCopy("coreos-single", NAME, [[/^description: .*$/m, `description: kill -9 round ${i + 1}, at ${step}`]]);
      const run = startUp(file, env);
      await run.reached(step);
      if (step === "kubelet") {
        // While it runs, a second lab up and a lab down on the same lab fail at once.
        for (const args of [["up", file], ["down", NAME]]) {
          const started = Date.now();
          const other = await lab(args, env);
          expect(other.exitCode, other.all).not.toBe(0);
          expect(other.all).toMatch(new RegExp(`failed to (up|down) lab ${NAME}: \`lab up\` is changing it \\(pid ${run.process.pid}`));
          expect(Date.now() - started).toBeLessThan(3000);
        }
      }
      run.process.kill("SIGKILL");
      await run.process;
      const started = Date.now();
      const again = await lab(["up", file, "--json"], env);
      expect(again.exitCode, again.all).toBe(0);
      expectGreen(again.stdout, again.all);
      report.push(`killed at ${step} -> green in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
    console.info(`  lab up killed with -9, then lab up:\n    ${report.join("\n    ")}`);
  }, 600_000);

  it("stops within 2 s on Ctrl-C, says what state the lab is in, and the next lab up converges", async () => {
    const file = await labFileCopy("coreos-single", NAME, [[/^description: .*$/m, "description: interrupted"]]);
    const run = startUp(file, env);
    await run.reached("control-plane");
    const started = Date.now();
    run.process.kill("SIGINT");
    const ended = await run.process;
    const took = Date.now() - started;
    expect(ended.exitCode).toBe(1);
    expect(took).toBeLessThan(2000);
    const end = run.events.at(-1) as Extract<LabEvent, { type: "run-end" }>;
    expect(end).toMatchObject({ type: "run-end", status: "failed" });
    // During the step it stopped, or after the last one when it came between two.
    expect(end.error?.message).toMatch(new RegExp(`^interrupted (during|after) step [a-z-]+: lab ${NAME} is half made, its nodes are kept`));
    expect(end.error?.hint).toBe(`lab up ${NAME} carries on from here; lab down ${NAME} removes it`);
    const status = JSON.parse((await lab(["status", NAME, "--json"], env)).stdout) as { phase: string };
    expect(status.phase).toBe("failed");
    console.info(`  Ctrl-C during control-plane: exited ${took} ms later`);
    const again = await lab(["up", file, "--json"], env);
    expectGreen(again.stdout, again.all);
  }, 240_000);

  it("comes back green with lab start after its nodes were stopped behind its back (as a Docker engine restart leaves them), same addresses and certificates", async () => {
    const before = await labFingerprint(NAME, env);
    const statusBefore = JSON.parse((await lab(["status", NAME, "--json"], env)).stdout) as { nodeStatus: { name: string; ip: string }[] };
    const docker = new Docker();
    for (const c of await docker.listContainers({ filters: { label: [`io.kubelab.lab=${NAME}`] } })) await docker.getContainer(c.Id).stop({ t: 5 });
    const started = Date.now();
    const start = await lab(["start", NAME, "--json"], env);
    const took = Date.now() - started;
    expect(start.exitCode, start.all).toBe(0);
    expectGreen(start.stdout, start.all);
    expect(jsonLines(start.stdout)[0]).toMatchObject({ type: "run-start", command: "start" });
    const statusAfter = JSON.parse((await lab(["status", NAME, "--json"], env)).stdout) as { nodeStatus: { name: string; ip: string }[] };
    expect(statusAfter.nodeStatus.map((n) => [n.name, n.ip])).toEqual(statusBefore.nodeStatus.map((n) => [n.name, n.ip]));
    expect((await labFingerprint(NAME, env)).pki).toEqual(before.pki);
    console.info(`  lab start after the nodes were stopped by the engine: ${(took / 1000).toFixed(1)}s`);
    // And through kubelab: lab stop, lab start (the host checks at the end cover these too).
    expect((await lab(["stop", NAME], env)).exitCode).toBe(0);
    const again = await lab(["start", NAME, "--json"], env);
    expectGreen(again.stdout, again.all);
  }, 240_000);

  it("lab down removes everything labelled for a lab whose state directory is gone", async () => {
    expect((await labelled(NAME)).containers.length).toBe(1);
    await rm(join(env.KUBELAB_HOME!, "labs", NAME), { recursive: true });
    const r = await lab(["down", NAME], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/removed: 1 nodes, 1 networks, 1 volumes/);
    expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 60_000);

  it("runs two labs side by side on free subnets, both green, and lab down --all removes both", async () => {
    const [a, b] = await Promise.all([labFileCopy("coreos-single", NAME), labFileCopy("coreos-single", OTHER)]);
    const [upA, upB] = await Promise.all([lab(["up", a, "--json"], env), lab(["up", b, "--json"], env)]);
    expectGreen(upA.stdout, upA.all);
    expectGreen(upB.stdout, upB.all);
    const own = await labBridges([NAME, OTHER]);
    expect(new Set(own.subnets).size).toBe(2);
    // While both are up, every rule added to the host's iptables is one of the labs' networks'.
    expect(foreignRules(iptablesBefore, await iptablesRules(), own)).toEqual([]);
    if (foreignLabs.length) {
      const why = `other labs exist on this engine (${foreignLabs.join(", ")}); lab down --all would remove them`;
      if (E2E_REQUIRED) throw new Error(`cannot test lab down --all: ${why}`);
      console.warn(`  NOT RUN: lab down --all (${why}); removing the two labs one by one instead`);
      for (const name of [NAME, OTHER]) expect((await lab(["down", name], env)).exitCode).toBe(0);
    } else {
      const r = await lab(["down", "--all"], env);
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout).toContain(`lab ${NAME} removed`);
      expect(r.stdout).toContain(`lab ${OTHER} removed`);
    }
    for (const name of [NAME, OTHER]) expect(await labelled(name)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 240_000);

  it("left the host as it was: sysctls, iptables rules and files outside the state and cache directories", async () => {
    expect(sysctlChanges(sysctlsBefore, await hostSysctls())).toEqual([]);
    const now = await iptablesRules();
    expect(now.filter((r) => !iptablesBefore.includes(r))).toEqual([]);
    expect(iptablesBefore.filter((r) => !now.includes(r))).toEqual([]);
    expect(await changedHostFiles(marker, env)).toEqual([]);
  }, 120_000);
});
