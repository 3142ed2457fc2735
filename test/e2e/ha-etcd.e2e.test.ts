/**
 * End to end, ha-etcd against the real Docker engine: two etcd members with peer TLS, two
 * controllers behind an HAProxy load balancer, two workers; every check green (member lists,
 * componentstatuses with every member, each API server directly and through the load balancer,
 * one leader each, pods across workers); the failover drills: an API server stopped with at most
 * one failed request through the load balancer, leadership moving, and (with 3 members, via
 * --scale) writes succeeding with a member down; all within 2 GiB.
 */
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/pipeline/events.js";
import { e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, lab, labelled, labFileCopy, type CliResult } from "./support.js";

const skip = await e2eSkipReason("ha-etcd");

function checksOf(r: CliResult): CheckResult[] {
  return jsonLines(r.stdout).filter((e) => e.type === "check").map((e) => e.result as CheckResult);
}

/** Memory the lab's containers use together, as `docker stats` counts it, in MiB. */
async function labMemoryMiB(name: string): Promise<number> {
  const docker = new Docker();
  let total = 0;
  for (const c of await docker.listContainers({ filters: { label: [`io.kubelab.lab=${name}`] } })) {
    const stats = (await docker.getContainer(c.Id).stats({ stream: false })) as { memory_stats: { usage: number; stats: Record<string, number> } };
    const s = stats.memory_stats.stats;
    total += stats.memory_stats.usage - (s.total_inactive_file ?? s.inactive_file ?? s.cache ?? 0);
  }
  return total / 1024 / 1024;
}

describe.skipIf(skip)("ha-etcd on Docker", () => {
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await isolatedEnv();
    await importTestArtifacts(env);
  }, 60_000);

  describe("as the guide has it: 2 etcd members, 2 controllers, 2 workers, a load balancer", () => {
    const NAME = "e2e-ha";
    let up: CliResult;

    beforeAll(async () => {
      up = await lab(["up", await labFileCopy("ha-etcd", NAME), "--json"], env);
    }, 240_000);

    afterAll(async () => {
      const down = await lab(["down", NAME], env);
      expect(down.exitCode, down.all).toBe(0);
      expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    }, 60_000);

    it("warns that 2 etcd members tolerate no failure, and comes up with every check green", () => {
      expect(up.exitCode, up.all).toBe(0);
      const warning = jsonLines(up.stdout).find((e) => e.type === "log" && e.level === "warn") as { message: string };
      expect(warning.message).toMatch(/the lab has 2 etcd members, which tolerate no more failures than 1: none, losing either member stops writes/);
      const checks = checksOf(up);
      for (const c of checks) expect(c.status, `${c.check} on ${c.node}: ${c.saw} ${c.reason ?? ""}`).toBe("pass");
      expect(checks.find((c) => c.check === "component-statuses")!.saw).toBe("controller-manager Healthy, etcd-0 Healthy, etcd-1 Healthy, scheduler Healthy");
      expect(checks.filter((c) => c.check === "etcd-members").map((c) => c.saw)).toEqual(["2 started: etcd1, etcd2", "2 started: etcd1, etcd2"]);
      expect(checks.filter((c) => c.check === "apiserver-health").map((c) => c.node).sort()).toEqual(["controller1", "controller2"]);
      expect(checks.find((c) => c.check === "loadbalancer")!.saw).toMatch(/^controller1 UP, controller2 UP; through lb: v1\.20\.2$/);
      const leaders = checks.filter((c) => c.check === "leader-election");
      expect(leaders.map((c) => c.saw.split(" ")[0]).sort()).toEqual(["kube-controller-manager", "kube-scheduler"]);
      for (const l of leaders) expect(["controller1", "controller2"]).toContain(l.node);
      const end = jsonLines(up.stdout).at(-1) as { durationMs: number };
      console.info(`  lab up ha-etcd (2 etcd, 2 controllers, 2 workers, 1 load balancer): ${(end.durationMs / 1000).toFixed(1)}s to all checks green`);
    });

    it("sends kubelets, kube-proxy and kubectl through the load balancer", async () => {
      const status = await lab(["status", NAME, "--json"], env);
      const lbIp = (JSON.parse(status.stdout) as { nodeStatus: { name: string; ip: string }[] }).nodeStatus.find((n) => n.name === "lb")!.ip;
      const r = await lab(["exec", NAME, "worker1", "--", "grep", "-h", "server:", "/etc/kubernetes/kubelet.kubeconfig", "/etc/kubernetes/kube-proxy.kubeconfig"], env);
      expect(r.stdout.trim().split("\n").map((l) => l.trim())).toEqual([`server: https://${lbIp}:6443`, `server: https://${lbIp}:6443`]);
      const admin = await lab(["exec", NAME, "controller1", "--", "grep", "server:", "/etc/kubernetes/admin.kubeconfig"], env);
      expect(admin.stdout.trim()).toBe(`server: https://${lbIp}:6443`);
    });

    it("stays within 2 GiB", async () => {
      await new Promise((r) => setTimeout(r, 3000));
      const mib = await labMemoryMiB(NAME);
      console.info(`  ha-etcd memory: ${mib.toFixed(0)} MiB`);
      expect(mib).toBeLessThanOrEqual(2048);
    });

    it("survives an API server's loss with at most one failed request, and moves leadership", async () => {
      const r = await lab(["verify", NAME, "--failover", "--json"], env);
      expect(r.exitCode, r.all).toBe(0);
      const drills = checksOf(r).filter((c) => ["apiserver-failover", "etcd-quorum", "leader-failover"].includes(c.check));
      const failover = drills.find((c) => c.check === "apiserver-failover")!;
      expect(failover.status, failover.saw).toBe("pass");
      const [, answered, failed] = failover.saw.match(/then (\d+) requests answered, (\d+) failed$/)!;
      expect(Number(answered)).toBeGreaterThan(20);
      expect(Number(failed)).toBeLessThanOrEqual(1);
      console.info(`  API server failover: ${failover.saw}`);
      const leader = drills.find((c) => c.check === "leader-failover")!;
      expect(leader.status, leader.saw).toBe("pass");
      expect(leader.saw).toMatch(/^leader moved from controller\d to controller\d in [\d.]+s/);
      console.info(`  ${leader.saw}`);
      // 2 members: the quorum drill says plainly why it cannot run, and is not counted as passed.
      const quorum = drills.find((c) => c.check === "etcd-quorum")!;
      expect(quorum).toMatchObject({ status: "not-run", reason: "needs 3 or more etcd members: with 2, losing one loses the majority and writes stop" });
      // The lab is whole again afterwards.
      const again = await lab(["verify", NAME, "--json"], env);
      expect(checksOf(again).filter((c) => c.status !== "pass")).toEqual([]);
    }, 240_000);
  });

  describe("with 3 etcd members (--scale etcd=3)", () => {
    const NAME = "e2e-ha3";

    afterAll(async () => {
      await lab(["down", NAME], env);
      expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    }, 60_000);

    it("keeps accepting writes with a member down", async () => {
      const up = await lab(["up", await labFileCopy("ha-etcd", NAME), "--json", "--scale", "etcd=3"], env);
      expect(up.exitCode, up.all).toBe(0);
      expect(jsonLines(up.stdout).some((e) => e.type === "log" && e.level === "warn")).toBe(false);
      expect(checksOf(up).find((c) => c.check === "component-statuses")!.saw).toMatch(/etcd-0 Healthy, etcd-1 Healthy, etcd-2 Healthy/);
      const r = await lab(["verify", NAME, "--failover", "--json"], env);
      const quorum = checksOf(r).find((c) => c.check === "etcd-quorum")!;
      expect(quorum.status, quorum.reason).toBe("pass");
      expect(quorum.saw).toMatch(/^2 of 3 members up: etcdctl OK \([\d.]+s after the stop\), API write OK$/);
      console.info(`  etcd quorum drill: ${quorum.saw}`);
      expect(r.exitCode, r.all).toBe(0);
    }, 360_000);
  });

  describe("bad input", () => {
    it("refuses 4 etcd members, before making anything", async () => {
      const r = await lab(["up", await labFileCopy("ha-etcd", "e2e-ha4"), "--scale", "etcd=4"], env);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/group "etcd": count 4/);
      expect(await labelled("e2e-ha4")).toEqual({ containers: [], networks: [], volumes: [] });
    });
  });
});
