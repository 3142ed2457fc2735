/**
 * cgroup classification from mountinfo captured on real systems (test/fixtures/mountinfo: this
 * host, hybrid; a kubelab node container with a private cgroup namespace, v1; this host's kernel
 * with only a cgroup2 hierarchy mounted at /sys/fs/cgroup in a private mount namespace, v2), the
 * verdict's rules, and this machine as it is.
 */
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { cgroupVerdict, classifyCgroups, REQUIRED_CONTROLLERS, type HostCgroups } from "../../src/doctor/cgroups.js";
import { engineFacts, type EngineFacts } from "../../src/doctor/docker-engine.js";

const fixture = (name: string): Promise<string> => readFile(new URL(`../fixtures/mountinfo/${name}`, import.meta.url), "utf8");

/** What Debian 12's kernel lists in the root cgroup.controllers of a unified host. */
const DEBIAN_V2_CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc\n";

const engine = (cgroupVersion: string, cgroupDriver = "cgroupfs"): EngineFacts => ({
  reachable: true,
  host: "unix:///var/run/docker.sock",
  version: "24.0.7",
  apiVersion: "1.43",
  cgroupVersion,
  cgroupDriver,
  rootDir: "/var/lib/docker",
  networks: [],
});

describe("classifyCgroups", () => {
  it.each([
    ["hybrid-debian12-host.txt", "", { layout: "hybrid", controllers: ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"] }],
    ["v1-docker-node.txt", "", { layout: "v1", controllers: ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"] }],
    ["v2-unified.txt", DEBIAN_V2_CONTROLLERS, { layout: "v2", controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"] }],
    // What that v2 mount's cgroup.controllers said: the other controllers were bound to v1 hierarchies.
    ["v2-unified.txt", "hugetlb\n", { layout: "v2", controllers: ["hugetlb"] }],
  ])("%s with cgroup.controllers %j", async (file, controllers, expected) => {
    expect(classifyCgroups(await fixture(file), controllers)).toEqual(expected);
  });

  it("reads no cgroups from a mountinfo without any", () => {
    expect(classifyCgroups("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n")).toEqual({ layout: "none", controllers: [] });
  });

  it("classifies this machine as stat(1) sees /sys/fs/cgroup", async () => {
    const host = classifyCgroups(await readFile("/proc/self/mountinfo", "utf8"), await readFile("/sys/fs/cgroup/cgroup.controllers", "utf8").catch(() => ""));
    const { stdout } = await execa("stat", ["-fc", "%T", "/sys/fs/cgroup"]);
    expect(stdout === "cgroup2fs" ? "v2" : "v1 or hybrid").toBe(host.layout === "v2" ? "v2" : "v1 or hybrid");
    expect(host.controllers).toEqual(expect.arrayContaining([...(host.layout === "v2" ? REQUIRED_CONTROLLERS.v2 : REQUIRED_CONTROLLERS.v1)]));
  });
});

describe("cgroupVerdict", () => {
  const hybrid: HostCgroups = { layout: "hybrid", controllers: ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"] };
  const v2: HostCgroups = { layout: "v2", controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"] };

  it.each<[string, HostCgroups, EngineFacts, string, RegExp]>([
    ["a hybrid host with a v1 engine", hybrid, engine("1"), "ok", /^cgroup v1 \(hybrid.*engine reports cgroup v1, driver cgroupfs: .*remount/],
    ["a v2 host with a v2 engine", v2, engine("2", "systemd"), "ok", /^cgroup v2; the engine reports cgroup v2, driver systemd: nodes run systemd in a private cgroup namespace$/],
    ["a v1 host without the memory controller", { layout: "v1", controllers: ["cpu", "cpuacct", "cpuset", "pids"] }, engine("1"), "fail", /the memory controller is not enabled: kubelet/],
    ["a v2 host whose controllers are taken", { layout: "v2", controllers: ["hugetlb"] }, engine("2"), "fail", /the cpu, cpuset, memory, pids controllers are not enabled/],
    ["an engine elsewhere (its v2, the host's v1)", { layout: "v1", controllers: [] }, engine("2"), "ok", /\(the engine runs elsewhere\)/],
    ["an engine that does not answer", hybrid, { reachable: false, host: "unix:///x", error: "connect ENOENT" }, "skip", /the Docker engine did not answer/],
  ])("%s: %s", (_, host, facts, status, detail) => {
    const verdict = cgroupVerdict(host, facts);
    expect(verdict.status).toBe(status);
    expect(verdict.detail).toMatch(detail);
    expect(verdict.fix === undefined).toBe(status !== "fail");
  });

  it("agrees with what this machine's engine reports", async () => {
    const facts = await engineFacts();
    if (!facts.reachable) return expect(cgroupVerdict(hybrid, facts).status).toBe("skip");
    const { stdout } = await execa("docker", ["info", "--format", "{{.CgroupVersion}} {{.CgroupDriver}}"]);
    expect(`${facts.cgroupVersion} ${facts.cgroupDriver}`).toBe(stdout);
  });
});
