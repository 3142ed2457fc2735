/**
 * flannel mode without flanneld: flanneld cannot be obtained on this machine, so what is proven
 * here is everything around it, against a real etcd (v3.4, from the test artifacts) serving TLS
 * with the lab's own certificates: the guide's `etcdctl put` of the network configuration stores
 * exactly what flannel reads, and leases as flannel writes them are parsed by the leases check.
 * flanneld itself is NOT run here, and the test output says so.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLeases } from "../../src/checks/flannel-leases.js";
import { parseLab } from "../../src/config/load-lab.js";
import { LabPaths } from "../../src/lab-paths.js";
import { ensurePki, type Pki } from "../../src/pki/pki-store.js";
import { planLab, type Plan, type ResolvedLab } from "../../src/plan/plan.js";
import { certPath, keyPath } from "../../src/render/node-layout.js";
import { FLANNEL_CONFIG_KEY, FLANNEL_ETCD_PREFIX, flannelConfigCommand, flanneldFlags, flannelNetworkConfig } from "../../src/render/flannel.js";
import { packagePath } from "../../src/package-root.js";
import { artifactBin, failWhenMissing, missingBinaries, skipUnlessAvailable } from "./real-tools.js";

const SUITE = "flannel's configuration in a real etcd";
const missing = await missingBinaries(["etcd", "etcdctl"]);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  let plan: Plan;
  let pki: Pki;
  let etcd: ResultPromise;
  let clientUrl: string;
  /** Files in the node's paths, mapped to this test's folder. */
  const local = (nodePath: string): string => join(dir, "pki", nodePath.split("/").pop()!);

  beforeAll(async () => {
    console.info("  NOTE: flanneld itself is NOT run here (no flannel binary can be obtained on this machine); its configuration and leases are tested against a real etcd.");
    dir = await mkdtemp(join(tmpdir(), "kubelab-flannel-etcd-"));
    const text = (await readFile(packagePath("labs", "fedora-multi.yaml"), "utf8")).replace("podCidr: 10.20.0.0/16", "podCidr: 10.20.0.0/16\n  nodeSubnet: 172.30.0.0/24");
    const { lab } = parseLab(text, "fedora-multi.yaml");
    plan = planLab(lab as ResolvedLab);
    pki = await ensurePki(plan, new LabPaths("flannel-etcd", { KUBELAB_HOME: dir }));
    const write = async (name: string): Promise<void> => {
      await writeFile(local(certPath(name)), pki.get(name).certPem);
      if (name !== "etcd-ca") await writeFile(local(keyPath(name)), pki.get(name).keyPem, { mode: 0o600 });
    };
    await mkdir(join(dir, "pki"), { recursive: true });
    for (const name of ["etcd-ca", "etcd-server-fed-master", "etcd-healthcheck-client", "flannel-etcd-client"]) await write(name);
    const [client, peer] = [await freePort(), await freePort()];
    clientUrl = `https://127.0.0.1:${client}`;
    etcd = execa(artifactBin("etcd"), [
      "--name=fed-master",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=fed-master=http://127.0.0.1:${peer}`,
      "--client-cert-auth",
      `--trusted-ca-file=${local(certPath("etcd-ca"))}`,
      `--cert-file=${local(certPath("etcd-server-fed-master"))}`,
      `--key-file=${local(keyPath("etcd-server-fed-master"))}`,
    ], { reject: false, all: true });
    for (let i = 0; i < 100; i++) {
      const health = await etcdctl(["endpoint", "health"]);
      if (health.exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("etcd did not become healthy");
  }, 60_000);

  afterAll(async () => {
    etcd?.kill();
    await etcd?.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The pipeline's etcdctl flags, with the node's paths and endpoints mapped to this test's etcd. */
  function mapped(argv: readonly string[]): string[] {
    return argv.map((a) => {
      const m = a.match(/^--(endpoints|cacert|cert|key)=(.*)$/);
      if (!m) return a;
      return m[1] === "endpoints" ? `--endpoints=${clientUrl}` : `--${m[1]}=${local(m[2]!)}`;
    });
  }

  function etcdctl(args: string[], certificate = "etcd-healthcheck-client") {
    return execa(artifactBin("etcdctl"), [
      `--endpoints=${clientUrl}`,
      `--cacert=${local(certPath("etcd-ca"))}`,
      `--cert=${local(certPath(certificate))}`,
      `--key=${local(keyPath(certificate))}`,
      ...args,
    ], { reject: false });
  }

  it("stores the guide's network configuration with the pipeline's own etcdctl command", async () => {
    const command = flannelConfigCommand(plan);
    expect(command.slice(-3)).toEqual(["put", "/coreos.com/network/config", flannelNetworkConfig(plan)]);
    expect(command[0]).toBe("etcdctl");
    const put = await execa(artifactBin("etcdctl"), mapped(command.slice(1)), { reject: false });
    expect(put.exitCode, put.stderr).toBe(0);
    expect(put.stdout.trim()).toBe("OK");

    // Read back with flanneld's own client certificate, as flanneld would.
    const got = await etcdctl(["get", FLANNEL_CONFIG_KEY, "--print-value-only"], "flannel-etcd-client");
    expect(got.exitCode, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ Network: "10.20.0.0/16", SubnetLen: 24, Backend: { Type: "vxlan", VNI: 1 } });
  });

  it("points flanneld at that etcd, prefix and client certificate", () => {
    const flags = Object.fromEntries(flanneldFlags(plan, plan.nodes[1]!));
    expect(flags).toMatchObject({
      "etcd-endpoints": "https://172.30.0.10:2379",
      "etcd-prefix": FLANNEL_ETCD_PREFIX,
      "etcd-cafile": "/etc/kubernetes/pki/etcd-ca.crt",
      "etcd-certfile": "/etc/kubernetes/pki/flannel-etcd-client.crt",
      "etcd-keyfile": "/etc/kubernetes/pki/flannel-etcd-client.key",
      "public-ip": "172.30.0.11",
      "subnet-file": "/run/flannel/subnet.env",
    });
  });

  it("reads leases the way flannel writes them, one per node with its public IP", async () => {
    for (const [subnet, ip] of [["10.20.7.0-24", "172.30.0.11"], ["10.20.12.0-24", "172.30.0.12"]]) {
      const lease = JSON.stringify({ PublicIP: ip, PublicIPv6: null, BackendType: "vxlan", BackendData: { VNI: 1, VtepMAC: "aa:bb:cc:dd:ee:ff" } });
      const put = await etcdctl(["put", `${FLANNEL_ETCD_PREFIX}/subnets/${subnet}`, lease], "flannel-etcd-client");
      expect(put.exitCode, put.stderr).toBe(0);
    }
    const got = await etcdctl(["get", "--prefix", `${FLANNEL_ETCD_PREFIX}/subnets`]);
    expect(parseLeases(got.stdout)).toEqual(new Map([["10.20.12.0-24", "172.30.0.12"], ["10.20.7.0-24", "172.30.0.11"]]));
  });

  it("refuses a client without a certificate from the lab's etcd CA", async () => {
    const anonymous = await execa(artifactBin("etcdctl"), [`--endpoints=${clientUrl}`, `--cacert=${local(certPath("etcd-ca"))}`, "--command-timeout=2s", "get", FLANNEL_CONFIG_KEY], { reject: false });
    expect(anonymous.exitCode).not.toBe(0);
  });
});
