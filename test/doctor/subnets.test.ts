/**
 * Subnets in use: routes read from /proc/net/route as ip(8) shows them, Docker's networks named
 * (a lab's own network left out), and the verdict on a new lab and on a lab's ranges.
 */
import Docker from "dockerode";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineFacts, type EngineFacts } from "../../src/doctor/docker-engine.js";
import { hostRoutes, parseRoutes } from "../../src/doctor/host-routes.js";
import { subnetVerdict, usedSubnets, type LabRanges } from "../../src/doctor/subnets.js";

/** /proc/net/route of this machine with Docker's default bridge and a lab's network. */
const PROC_NET_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
br-3407c7098028\t00001EAC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;

describe("host routes", () => {
  it("parses /proc/net/route, leaving out the default route", () => {
    expect(parseRoutes(PROC_NET_ROUTE)).toEqual([
      { cidr: "172.17.0.0/16", iface: "docker0" },
      { cidr: "172.30.0.0/24", iface: "br-3407c7098028" },
      { cidr: "192.0.2.0/24", iface: "eth0" },
    ]);
  });

  it("reads this host's routes as ip route shows them", async () => {
    const { stdout } = await execa("ip", ["-4", "route", "show", "table", "main"]);
    const shown = stdout
      .split("\n")
      .map((l) => l.split(" ")[0]!)
      .filter((d) => d && d !== "default")
      .map((d) => (d.includes("/") ? d : `${d}/32`));
    expect((await hostRoutes()).map((r) => r.cidr).sort()).toEqual([...new Set(shown)].sort());
  });
});

describe("subnetVerdict", () => {
  const used = [
    { cidr: "172.17.0.0/16", owner: "docker network bridge" },
    { cidr: "172.30.0.0/24", owner: "docker network kubelab-a" },
    { cidr: "10.244.0.0/24", owner: "eth1" },
  ];
  const lab = (network: Partial<LabRanges["network"]>): LabRanges => ({
    name: "x",
    network: { nodeSubnet: undefined, podCidr: "10.2.0.0/16", serviceCidr: "10.3.0.0/24", ...network },
  });

  it("gives a new lab the first free /24 of the pool", () => {
    expect(subnetVerdict(used)).toEqual({
      status: "ok",
      detail: "172.17.0.0/16 (docker network bridge), 172.30.0.0/24 (docker network kubelab-a), 10.244.0.0/24 (eth1); a new lab's nodes would get 172.30.1.0/24",
    });
    expect(subnetVerdict([]).detail).toBe("none; a new lab's nodes would get 172.30.0.0/24");
  });

  it("fails a lab whose ranges overlap a network in use, naming each and what to change", () => {
    const verdict = subnetVerdict(used, lab({ podCidr: "10.244.0.0/16", nodeSubnet: "172.30.0.0/16" }));
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toBe(
      "lab x: network.nodeSubnet 172.30.0.0/16 overlaps 172.30.0.0/24 (docker network kubelab-a); network.podCidr 10.244.0.0/16 overlaps 10.244.0.0/24 (eth1)",
    );
    expect(verdict.fix).toMatch(/^change network\.nodeSubnet and network\.podCidr in the lab file to ranges that overlap none of: 172\.17\.0\.0\/16/);
  });

  it("passes a lab whose ranges are free, with the subnet it would get or the one it pins", () => {
    expect(subnetVerdict(used, lab({})).detail).toMatch(/; lab x's ranges are free; its nodes would get 172\.30\.1\.0\/24$/);
    expect(subnetVerdict(used, lab({ nodeSubnet: "192.168.50.0/24" }))).toMatchObject({ status: "ok", detail: expect.stringMatching(/; lab x's ranges are free$/) });
  });

  it("says when the pool is used up: a warning for new labs, a failure for a lab that needs a subnet", () => {
    const full = [{ cidr: "172.30.0.0/15", owner: "vpn0" }];
    expect(subnetVerdict(full)).toMatchObject({ status: "warn", detail: expect.stringMatching(/every \/24 of 172\.30\.0\.0\/15 is in use/), fix: expect.stringMatching(/network\.nodeSubnet/) });
    expect(subnetVerdict(full, lab({})).status).toBe("fail");
    expect(subnetVerdict(full, lab({ nodeSubnet: "192.168.50.0/24" })).status).toBe("ok");
  });
});

const docker = new Docker();
const reachable = await docker.ping().then(() => true, () => false);

describe.skipIf(!reachable)("usedSubnets with this machine's engine", () => {
  const name = "kubelab-doctor-test";
  const subnet = "172.31.254.0/24";
  let facts: EngineFacts;

  beforeAll(async () => {
    await docker.getNetwork(name).remove().catch(() => undefined);
    await docker.createNetwork({ Name: name, Driver: "bridge", IPAM: { Driver: "default", Config: [{ Subnet: subnet }] } });
    facts = await engineFacts({ docker });
  });
  afterAll(async () => {
    await docker.getNetwork(name).remove();
  });

  it("names Docker's networks, and leaves out a lab's own network (and its bridge's route)", async () => {
    const all = await usedSubnets(facts);
    expect(all).toContainEqual({ cidr: "172.17.0.0/16", owner: "docker network bridge" });
    expect(all).toContainEqual({ cidr: subnet, owner: `docker network ${name}` });
    expect((await hostRoutes()).map((r) => r.cidr)).toContain(subnet);
    const withoutOwn = await usedSubnets(facts, name);
    expect(withoutOwn.map((u) => u.cidr)).not.toContain(subnet);
    expect(withoutOwn.length).toBe(all.length - 1);
  });

  it("uses routes and interfaces alone when the engine does not answer", async () => {
    const used = await usedSubnets({ reachable: false, host: "unix:///nonexistent", error: "connect ENOENT" });
    expect(used).toContainEqual({ cidr: "172.17.0.0/16", owner: "docker0" });
    expect(used).toContainEqual({ cidr: subnet, owner: expect.stringMatching(/^br-/) });
  });
});
