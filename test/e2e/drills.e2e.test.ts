/**
 * End to end, fault drills against the real Docker engine: each drill breaks a real lab, `lab
 * verify` shows the failures it causes (and says a drill is in effect), `lab heal` puts it right
 * and the checks are green again. On coreos-single: an etcd member, the controller, kube-proxy and
 * the API server's certificate; on a two-node fedora-multi (VXLAN): a node cut off the network
 * (proven by ping between the nodes; a full verify of a cut-off node waits out every check's limit).
 * Bad input (a drill that does not exist or does not apply, a node the lab has not, the same drill
 * twice) is refused with exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/pipeline/events.js";
import { e2eSkipReason, fedoraOverlayVariant, importTestArtifacts, isolatedEnv, jsonLines, lab, labelled, labFileCopy, type CliResult } from "./support.js";

const skip = await e2eSkipReason("fault drills");

function checks(r: CliResult): CheckResult[] {
  return jsonLines(r.stdout).filter((e) => e.type === "check").map((e) => e.result as CheckResult);
}

function failed(r: CliResult): string[] {
  return [...new Set(checks(r).filter((c) => c.status === "fail").map((c) => c.check))].sort();
}

/** Breaks `name` with `drill`, returns what lab verify then shows, heals it and expects green. */
async function drill(name: string, env: NodeJS.ProcessEnv, args: string[]): Promise<CliResult> {
  const broke = await lab(["break", name, ...args], env);
  expect(broke.exitCode, broke.all).toBe(0);
  expect(broke.stdout).toContain(`undo it: lab heal ${name}`);
  const verify = await lab(["verify", name, "--json"], env);
  expect(verify.exitCode, verify.all).toBe(1);
  const warn = jsonLines(verify.stdout).find((e) => e.type === "log" && e.level === "warn");
  expect(String(warn?.message)).toContain(`drills in effect (lab break): ${args[0]} on `);
  const healed = await lab(["heal", name], env);
  expect(healed.exitCode, healed.all).toBe(0);
  expect(healed.stdout).toContain(`healed lab ${name}: ${args[0]} on `);
  // Healed is back: components that lost the API retry on their own back-off (at most 30 s), within the checks' own waits.
  const green = await lab(["verify", name, "--json"], env);
  expect(failed(green), green.stdout).toEqual([]);
  return verify;
}

describe.skipIf(skip)("fault drills", () => {
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await isolatedEnv();
    await importTestArtifacts(env);
  }, 60_000);

  describe("on coreos-single", () => {
    const NAME = "e2e-drills";

    beforeAll(async () => {
      const up = await lab(["up", await labFileCopy("coreos-single", NAME), "--json"], env);
      expect(up.exitCode, up.all).toBe(0);
    }, 240_000);

    afterAll(async () => {
      await lab(["down", NAME], env);
      expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    }, 60_000);

    it("etcd-member: etcd's health check fails, and with the only member gone the API's checks too; a second break is refused", async () => {
      const verify = await drill(NAME, env, ["etcd-member"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["etcd-health", "etcd-version"]));
    }, 240_000);

    it("controller: the API server does not answer; etcd still does", async () => {
      const verify = await drill(NAME, env, ["controller"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["apiserver-health", "component-statuses", "nodes-ready"]));
      expect(checks(verify).find((c) => c.check === "etcd-health")?.status).toBe("pass");
    }, 240_000);

    it("kube-proxy: a new Service does not answer, pods still run", async () => {
      const verify = await drill(NAME, env, ["kube-proxy", "--node", "core1"]);
      expect(failed(verify)).toEqual(["cluster-ip-service"]);
      expect(checks(verify).find((c) => c.check === "pod-logs")?.status).toBe("pass");
    }, 240_000);

    it("expired-cert: every client refuses the API server's certificate as expired", async () => {
      const verify = await drill(NAME, env, ["expired-cert"]);
      expect(failed(verify)).toEqual(expect.arrayContaining(["apiserver-health", "cluster-info", "nodes-ready"]));
      expect(checks(verify).find((c) => c.check === "nodes-ready")?.saw).toMatch(/x509: certificate has expired/);
    }, 240_000);

    it("refuses a drill that does not exist, one that does not apply, a node it has not, and the same drill twice", async () => {
      const unknown = await lab(["break", NAME, "unplug"], env);
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr).toContain("there is no drill unplug");
      expect(unknown.stderr).toContain("etcd-member, controller, node-network, kube-proxy, expired-cert");
      const single = await lab(["break", NAME, "node-network"], env);
      expect(single.exitCode).toBe(2);
      expect(single.stderr).toContain("the lab has one node");
      const node = await lab(["break", NAME, "kube-proxy", "--node", "core9"], env);
      expect(node.exitCode).toBe(2);
      expect(node.stderr).toContain(`lab ${NAME} has no node core9`);
      expect((await lab(["break", NAME, "kube-proxy"], env)).exitCode).toBe(0);
      const twice = await lab(["break", NAME, "kube-proxy"], env);
      expect(twice.exitCode).toBe(2);
      expect(twice.stderr).toContain("kube-proxy is already in effect on core1");
      expect((await lab(["heal", NAME], env)).exitCode).toBe(0);
      const none = await lab(["heal", NAME], env);
      expect(none.stdout).toContain("has no drill in effect: nothing to heal");
    }, 240_000);
  });

  describe("on fedora-multi with one worker (VXLAN)", () => {
    const NAME = "e2e-drills-net";

    beforeAll(async () => {
      const up = await lab(["up", await fedoraOverlayVariant(NAME, "vxlan"), "--scale", "fed-node=1", "--json"], env);
      expect(up.exitCode, up.all).toBe(0);
    }, 240_000);

    afterAll(async () => {
      await lab(["down", NAME], env);
      expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    }, 60_000);

    it("node-network: the worker cut off answers no ping from the master, then does again once healed", async () => {
      const ping = (): Promise<CliResult> => lab(["exec", NAME, "fed-master", "--", "ping", "-c", "1", "-W", "1", "fed-node1"], env);
      expect((await ping()).exitCode).toBe(0);
      const broke = await lab(["break", NAME, "node-network"], env);
      expect(broke.exitCode, broke.all).toBe(0);
      expect(broke.stdout).toContain("(node-network on fed-node1)");
      expect((await ping()).exitCode).not.toBe(0);
      const healed = await lab(["heal", NAME], env);
      expect(healed.exitCode, healed.all).toBe(0);
      expect((await ping()).exitCode).toBe(0);
    }, 240_000);
  });
});
