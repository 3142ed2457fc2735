/**
 * End to end, teach mode against the real Docker engine: `lab up --until etcd` stops before etcd
 * and says what comes next; `lab verify --step` proves the files are in place and that etcd is
 * not yet; the learner starts etcd by hand and the step proves done; a file changed by hand (a
 * key's mode, a config's content) is named; `lab up` carries on to green; a step that does not
 * exist is refused before anything is made.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/pipeline/events.js";
import { e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, lab, labelled, labFileCopy, type CliResult } from "./support.js";

const NAME = "e2e-teach";
const skip = await e2eSkipReason("teach mode");

function results(r: CliResult): CheckResult[] {
  return jsonLines(r.stdout).filter((e) => e.type === "check").map((e) => e.result as CheckResult);
}

describe.skipIf(skip)("teach mode (coreos-single on Docker)", () => {
  let env: NodeJS.ProcessEnv;
  let file: string;
  let paused: CliResult;

  beforeAll(async () => {
    env = await isolatedEnv();
    file = await labFileCopy("coreos-single", NAME);
    await importTestArtifacts(env);
    paused = await lab(["up", file, "--until", "etcd", "--json"], env);
  }, 240_000);

  afterAll(async () => {
    if (!env) return;
    const down = await lab(["down", NAME], env);
    expect(down.exitCode, down.all).toBe(0);
    expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 60_000);

  it("stops before etcd (and kubelet, which starts with it) and says what comes next", async () => {
    expect(paused.exitCode, paused.all).toBe(0);
    const events = jsonLines(paused.stdout);
    const steps = (events[0] as { steps: { id: string }[] }).steps.map((s) => s.id);
    expect(steps).toEqual(["artifacts", "node-image", "nodes", "pki", "component-images", "files"]);
    expect(events.at(-1)).toMatchObject({ type: "run-end", status: "ok" });
    expect((events.at(-1) as { next: string[] }).next).toEqual([
      `what etcd does, command by command: lab explain ${NAME} etcd`,
      `did it by hand? check your work: lab verify ${NAME} --step etcd`,
      `carry on: lab up ${file}   (or step by step: lab up ${file} --until STEP)`,
    ]);
    const state = JSON.parse(await readFile(join(env.KUBELAB_HOME!, "labs", NAME, "state.json"), "utf8")) as Record<string, unknown>;
    expect(state).toMatchObject({ phase: "paused", pausedBefore: "etcd", green: false });
    const active = await lab(["exec", NAME, "core1", "--", "systemctl", "is-active", "etcd", "kubelet"], env);
    expect(active.stdout.trim().split("\n")).toEqual(["inactive", "inactive"]);
  });

  it("proves the files step done, and etcd not yet, naming the command it ran", async () => {
    const files = await lab(["verify", NAME, "--step", "files", "--json"], env);
    expect(files.exitCode, files.all).toBe(0);
    expect(results(files).length).toBe(2);
    expect(results(files).every((r) => r.status === "pass" && r.check === "step:files")).toBe(true);
    const etcd = await lab(["verify", NAME, "--step", "etcd", "--json"], env);
    expect(etcd.exitCode).toBe(1);
    const [r] = results(etcd);
    expect(r).toMatchObject({ check: "step:etcd", node: "core1", status: "fail", reason: "not yet: until the member is healthy" });
    expect(r!.ran).toMatch(/^etcdctl --endpoints=https:\/\/172\.30\.\d+\.10:2379 .* endpoint health$/);
  });

  it("proves etcd done once the learner starts it by hand", async () => {
    const start = await lab(["exec", NAME, "core1", "--", "systemctl", "start", "etcd"], env);
    expect(start.exitCode, start.all).toBe(0);
    const etcd = await lab(["verify", NAME, "--step", "etcd", "--json"], env);
    expect(etcd.exitCode, etcd.all).toBe(0);
    expect(results(etcd)[0]).toMatchObject({ status: "pass", saw: expect.stringContaining("is healthy") });
  }, 60_000);

  it("names a file whose mode or content was changed by hand", async () => {
    const broken = await lab(["exec", NAME, "core1", "--", "sh", "-c", "chmod 0644 /etc/kubernetes/pki/ca.key && echo '# edited' >> /etc/kubernetes/kubelet-config.yaml"], env);
    expect(broken.exitCode, broken.all).toBe(0);
    const files = await lab(["verify", NAME, "--step", "files", "--json"], env);
    expect(files.exitCode).toBe(1);
    const saw = results(files).filter((r) => r.status === "fail").map((r) => r.saw).join("\n");
    expect(saw).toContain("mode 644, not 600: /etc/kubernetes/pki/ca.key");
    expect(saw).toContain("/etc/kubernetes/kubelet-config.yaml: FAILED");
  });

  it("says that kubelab's own steps have nothing to do by hand", async () => {
    const r = await lab(["verify", NAME, "--step", "component-images", "--json"], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(results(r)).toEqual([expect.objectContaining({ status: "not-run", reason: "kubelab does this step itself, on this machine: there is nothing to do by hand" })]);
  });

  it("carries on to green with lab up, the hand-edited files put right", async () => {
    const up = await lab(["up", file, "--json"], env);
    expect(up.exitCode, up.all).toBe(0);
    expect(results(up).filter((r) => r.status === "fail")).toEqual([]);
    const files = await lab(["verify", NAME, "--step", "files", "--json"], env);
    expect(files.exitCode, files.all).toBe(0);
    const state = JSON.parse(await readFile(join(env.KUBELAB_HOME!, "labs", NAME, "state.json"), "utf8")) as Record<string, unknown>;
    expect(state).toMatchObject({ phase: "up", green: true });
  }, 240_000);

  it("refuses a step that does not exist before anything is made", async () => {
    const other = await labFileCopy("coreos-single", `${NAME}-bad`);
    const r = await lab(["up", other, "--until", "flannel"], env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`failed to find step flannel in lab ${NAME}-bad`);
    expect(await labelled(`${NAME}-bad`)).toEqual({ containers: [], networks: [], volumes: [] });
    await expect(stat(join(env.KUBELAB_HOME!, "labs", `${NAME}-bad`))).rejects.toThrow(/ENOENT/);
  });
});
