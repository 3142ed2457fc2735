/**
 * The rendered pod network scripts, RUN for real in fresh Linux network namespaces on this host
 * (root only), one namespace per node, the two nodes joined by a veth pair holding their addresses
 * (172.30.0.11/24 and 172.30.0.12/24 on eth0, as in a node container):
 *
 * - vxlan (fedora-multi-vxlan-v1.20.2): each worker's network.sh makes flannel.1 (VNI 1, UDP 8472,
 *   nolearning, a MAC from the node's address, the pod subnet's network address as a /32), the
 *   neighbour, forwarding entry and route to the other worker's pods, the pod bridge cni0 and the
 *   masquerading rule. `ip -d link`, `ip neigh`, `bridge fdb`, `ip route` and `iptables-save` show
 *   exactly that; a second run succeeds and changes nothing; and traffic crosses the VXLAN: a TCP
 *   exchange between addresses in the two pod subnets (ping is not installed on this host, node is),
 *   which fails once the forwarding entry is removed and works again after network.sh re-runs.
 * - routes (fedora-multi with the routes overlay): the same, with a route via the other node.
 * - flannel (fedora-multi-flannel-v1.20.2): flannel-cni.sh, with a subnet.env as flanneld writes it,
 *   makes cni0 and the CNI configuration from the lease. Its two file paths are mapped into a
 *   folder of the test; nothing else of the script is changed. flanneld itself is NOT run here.
 *
 * With the real CNI plugins of the test artifacts (bridge, host-local), a pod namespace on each
 * node is given its interface from the node's CNI configuration, as containerd would (only
 * ipam.dataDir is moved into the test's folder, so host-local keeps its leases there and not in the
 * host's /var/lib/cni), and the two pods talk across the overlay with their own addresses.
 *
 * Everything happens inside the namespaces (iptables too: each namespace has its own tables). They
 * are deleted afterwards, also on failure, and the host's own links, addresses, routes, nat rules
 * and namespaces are compared before and after.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlannedNode, Plan } from "../../src/plan/plan.js";
import { FLANNEL_SUBNET_ENV } from "../../src/render/flannel.js";
import { CNI_CONF_FILE, KUBELAB_DIR } from "../../src/render/node-layout.js";
import { fakeNodeFiles, fedoraMultiPlan, fileAt, renderCase, text } from "./lab-fixtures.js";
import {
  artifactCniPlugin,
  failWhenMissing,
  missingCniPlugins,
  missingCommand,
  skipUnlessAvailable,
} from "./real-tools.js";

const SUITE = "the rendered network scripts, run in network namespaces";
const CNI_SUITE = "the rendered CNI configurations, used by the real CNI plugins in network namespaces";

/** Every namespace of this run starts with this (so none can clash with another run's or the host's). */
const PREFIX = `kubelab-test-${process.pid}`;

/** Why network namespaces cannot be used here (empty when they can). */
async function missingNamespaces(): Promise<string[]> {
  const uid = process.getuid?.();
  if (uid !== 0) return [`not root (uid ${uid ?? "unknown"}): creating network namespaces, links and rules needs root`];
  const tools = [
    ...(await missingCommand("ip", ["-V"])),
    ...(await missingCommand("bridge", ["-V"])),
    ...(await missingCommand("iptables", ["-V"])),
    ...(await missingCommand("iptables-save", ["--version"])),
  ];
  if (tools.length > 0) return tools;
  const probe = `${PREFIX}-probe`;
  const added = await execa("ip", ["netns", "add", probe], { reject: false, timeout: 20_000 });
  await execa("ip", ["netns", "delete", probe], { reject: false, timeout: 20_000 });
  return added.exitCode === 0 ? [] : [`\`ip netns add\` does not work here: ${added.stderr.trim()}`];
}

const missing = await missingNamespaces();
const cniMissing = [...missing, ...(await missingCniPlugins(["bridge", "host-local"]))];

/** The lines of a command's output, without blank ones. */
const lines = (output: string): string[] => output.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() !== "");

/** Runs a command; throws with its output when it fails. */
async function must(command: string, args: readonly string[]): Promise<string> {
  const run = await execa(command, args, { reject: false, timeout: 30_000 });
  if (run.exitCode !== 0) throw new Error(`${command} ${args.join(" ")} exited ${run.exitCode}: ${run.stderr || run.stdout}`);
  return run.stdout;
}

/** Runs a command inside a namespace; throws when it fails. */
const inNs = (ns: string, argv: readonly string[]): Promise<string> => must("ip", ["netns", "exec", ns, ...argv]);

/** iptables-save output without its timestamps and counters. */
const saved = (output: string): string[] =>
  lines(output)
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/g, "[-]"));

/** What the host's own network namespace looks like. */
async function hostState(): Promise<Record<string, string[]>> {
  return {
    "ip -o link": lines(await must("ip", ["-o", "link", "show"])),
    // Without the lifetimes of dynamic addresses, which count down.
    "ip -o addr": lines(await must("ip", ["-o", "addr", "show"])).map((l) => l.replace(/\s+valid_lft \S+ preferred_lft \S+/, "")),
    "ip route": lines(await must("ip", ["route", "show"])),
    "iptables-save -t nat": saved(await must("iptables-save", ["-t", "nat"])),
    "ip netns list": lines(await must("ip", ["netns", "list"])),
  };
}

/** The lines that differ between two host states, as "+ what: line" and "- what: line". */
function hostChanges(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
  return Object.keys(before).flatMap((what) => {
    const was = new Set(before[what]);
    const is = new Set(after[what]);
    return [
      ...[...is].filter((l) => !was.has(l)).map((l) => `+ ${what}: ${l}`),
      ...[...was].filter((l) => !is.has(l)).map((l) => `- ${what}: ${l}`),
    ];
  });
}

/** What a change this test made to the host would show: its devices, its pod network, its namespaces. */
const OURS = [/\bcni0\b/, /\bflannel\.1\b/, /\b10\.20\./, /\b8472\b/, /MASQUERADE.*10\.20/, new RegExp(PREFIX)];

/** One node of a test network: its namespace, and the node it stands for. */
interface NsNode {
  ns: string;
  node: PlannedNode;
}

/** The namespaces this run created and has not deleted yet, and the processes it started in them. */
const namespaces = new Set<string>();
const processes = new Set<ResultPromise>();

async function addNamespace(name: string): Promise<string> {
  const ns = `${PREFIX}-${name}`;
  await must("ip", ["netns", "add", ns]);
  namespaces.add(ns);
  await must("ip", ["-n", ns, "link", "set", "lo", "up"]);
  return ns;
}

async function deleteNamespace(ns: string): Promise<void> {
  await execa("ip", ["netns", "delete", ns], { reject: false, timeout: 20_000 });
  namespaces.delete(ns);
}

/** Stops every process this run started and deletes every namespace it created. */
async function cleanUp(): Promise<void> {
  for (const p of processes) p.kill("SIGKILL");
  await Promise.allSettled([...processes]);
  processes.clear();
  for (const ns of [...namespaces]) await deleteNamespace(ns);
}

/** Two node namespaces joined by a veth pair, eth0 in each, with the nodes' addresses. */
async function nodePair(tag: string, plan: Plan, names: readonly [string, string]): Promise<[NsNode, NsNode]> {
  const [a, b] = names.map((name) => {
    const node = plan.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }) as [PlannedNode, PlannedNode];
  const nsA = await addNamespace(`${tag}-${a.name}`);
  const nsB = await addNamespace(`${tag}-${b.name}`);
  // Made inside the namespaces: the host's namespace never holds either end.
  await must("ip", ["-n", nsA, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", nsB]);
  for (const [ns, node] of [[nsA, a], [nsB, b]] as const) {
    await must("ip", ["-n", ns, "addr", "add", `${node.ip}/24`, "dev", "eth0"]);
    await must("ip", ["-n", ns, "link", "set", "eth0", "up"]);
  }
  return [{ ns: nsA, node: a }, { ns: nsB, node: b }];
}

let work: string;

/** Writes a node's file (content as rendered) into the test's folder; returns its path there. */
async function writeScript(name: string, content: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, content, { mode: 0o755 });
  return path;
}

/** Runs a script with the system shell inside a namespace, as its unit does (ExecStart=/bin/sh SCRIPT). */
function runScript(ns: string, script: string) {
  return execa("ip", ["netns", "exec", ns, "/bin/sh", script], { reject: false, timeout: 90_000 });
}

/** A node namespace's network as the tools show it (for comparing before and after a re-run). */
async function nsNetwork(ns: string): Promise<Record<string, string[]>> {
  return {
    // Without the bridge's running timers.
    links: lines(await must("ip", ["-n", ns, "-d", "link", "show"])).map((l) => l.replace(/\b(\w+_timer)\s+[\d.]+/g, "$1 -")),
    addrs: lines(await must("ip", ["-n", ns, "-o", "addr", "show"])),
    neigh: lines(await must("ip", ["-n", ns, "neigh", "show", "nud", "permanent"])),
    fdb: lines(await must("bridge", ["-n", ns, "fdb", "show"])),
    routes: lines(await must("ip", ["-n", ns, "route", "show"])),
    nat: saved(await inNs(ns, ["iptables-save", "-t", "nat"])),
  };
}

const ECHO_SERVER = `
import { createServer } from "node:net";
const server = createServer((socket) => {
  socket.once("data", (data) => socket.end(JSON.stringify({ got: String(data), from: socket.remoteAddress, at: socket.localAddress })));
});
server.listen(Number(process.argv[2]), "0.0.0.0", () => console.log("listening"));
setTimeout(() => process.exit(0), 30_000).unref();
`;

const ECHO_CLIENT = `
import { connect } from "node:net";
const [host, port, localAddress, timeout] = process.argv.slice(2);
const socket = connect({ host, port: Number(port), ...(localAddress ? { localAddress } : {}) });
socket.setTimeout(Number(timeout));
socket.on("connect", () => socket.write("hello across"));
let reply = "";
socket.on("data", (d) => (reply += d));
socket.on("end", () => { console.log(reply); process.exit(0); });
socket.on("timeout", () => { console.error("timed out"); process.exit(2); });
socket.on("error", (e) => { console.error(e.message); process.exit(3); });
`;

/** What one TCP exchange gave: the server's view of it, or why it failed. */
interface Exchange {
  ok: boolean;
  /** The address the server saw the client come from, and the one it was reached at. */
  from?: string;
  at?: string;
  error?: string;
}

/**
 * A TCP exchange from namespace `from` (optionally from a given source address) to `host`, served in
 * namespace `to`: the client sends a line, the server answers with the addresses it saw.
 */
async function exchange(from: string, to: string, host: string, options: { source?: string; timeoutMs?: number } = {}): Promise<Exchange> {
  const port = "7070";
  const server = execa("ip", ["netns", "exec", to, process.execPath, join(work, "echo-server.mjs"), port], {
    reject: false,
    timeout: 40_000,
  });
  processes.add(server);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the echo server did not start")), 10_000);
      server.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("listening")) {
          clearTimeout(timer);
          resolve();
        }
      });
      void server.then((r) => {
        clearTimeout(timer);
        reject(new Error(`the echo server exited: ${r.stderr}`));
      });
    });
    const client = await execa(
      "ip",
      ["netns", "exec", from, process.execPath, join(work, "echo-client.mjs"), host, port, options.source ?? "", String(options.timeoutMs ?? 5_000)],
      { reject: false, timeout: 30_000 },
    );
    if (client.exitCode !== 0) return { ok: false, error: client.stderr.trim() || `exit ${client.exitCode}` };
    const reply = JSON.parse(client.stdout) as { got: string; from: string; at: string };
    expect(reply.got).toBe("hello across");
    return { ok: true, from: reply.from, at: reply.at };
  } finally {
    server.kill("SIGKILL");
    await server;
    processes.delete(server);
  }
}

/** A node's rendered file. */
function rendered(plan: Plan, node: PlannedNode, path: string): string {
  return text(fileAt(fakeNodeFiles(plan, node), path));
}

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let hostBefore: Record<string, string[]>;

  beforeAll(async () => {
    hostBefore = await hostState();
    work = await mkdtemp(join(tmpdir(), "kubelab-render-netns-"));
    await writeFile(join(work, "echo-server.mjs"), ECHO_SERVER);
    await writeFile(join(work, "echo-client.mjs"), ECHO_CLIENT);
  });
  afterAll(async () => {
    await cleanUp();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe("vxlan: network.sh of fedora-multi-vxlan-v1.20.2's workers", () => {
    const { plan } = renderCase("fedora-multi-vxlan-v1.20.2");
    let node1: NsNode;
    let node2: NsNode;
    const scripts = new Map<string, string>();

    beforeAll(async () => {
      [node1, node2] = await nodePair("vx", plan, ["fed-node1", "fed-node2"]);
      for (const { node } of [node1, node2]) {
        scripts.set(node.name, await writeScript(`vxlan-${node.name}.sh`, rendered(plan, node, `${KUBELAB_DIR}/network.sh`)));
      }
    });
    afterAll(async () => {
      for (const n of [node1, node2]) if (n) await deleteNamespace(n.ns);
    });

    it("both scripts run cleanly, each in its node's namespace", async () => {
      for (const { ns, node } of [node1, node2]) {
        const run = await runScript(ns, scripts.get(node.name)!);
        expect(run.stderr, node.name).toBe("");
        expect(run.exitCode, `${node.name}: ${run.stderr}`).toBe(0);
      }
    });

    // What each node must have, written out here rather than taken from the renderer.
    const EXPECTED = {
      "fed-node1": {
        ip: "172.30.0.11",
        mac: "02:00:ac:1e:00:0b",
        vtep: "10.20.0.0/32",
        bridge: "10.20.0.1/24",
        other: { vtep: "10.20.1.0", mac: "02:00:ac:1e:00:0c", ip: "172.30.0.12", pods: "10.20.1.0/24" },
      },
      "fed-node2": {
        ip: "172.30.0.12",
        mac: "02:00:ac:1e:00:0c",
        vtep: "10.20.1.0/32",
        bridge: "10.20.1.1/24",
        other: { vtep: "10.20.0.0", mac: "02:00:ac:1e:00:0b", ip: "172.30.0.11", pods: "10.20.0.0/24" },
      },
    } as const;
    const nodeFor = (name: string): NsNode => (name === "fed-node1" ? node1 : node2);

    it.each(Object.entries(EXPECTED))("%s: flannel.1 is flannel's VXLAN device (VNI 1, UDP 8472, nolearning)", async (name, want) => {
      const { ns } = nodeFor(name);
      const link = await must("ip", ["-n", ns, "-d", "link", "show", "flannel.1"]);
      expect(link).toMatch(new RegExp(`\\bvxlan id 1 local ${want.ip.replace(/\./g, "\\.")} dev eth0 .*\\bdstport 8472 nolearning\\b`));
      expect(link).toMatch(new RegExp(`link/ether ${want.mac} `));
      expect(link).toMatch(/\bmtu 1450\b/);
      expect(link).toMatch(/<[^>]*\bUP\b[^>]*>/);
      const addrs = lines(await must("ip", ["-n", ns, "-o", "-4", "addr", "show", "dev", "flannel.1"])).map((l) => l.split(/\s+/)[3]);
      expect(addrs).toEqual([want.vtep]);
    });

    it.each(Object.entries(EXPECTED))("%s: the other worker's neighbour, forwarding entry and route", async (name, want) => {
      const { ns } = nodeFor(name);
      const o = want.other;
      expect(lines(await must("ip", ["-n", ns, "neigh", "show", "dev", "flannel.1"]))).toEqual([`${o.vtep} lladdr ${o.mac} PERMANENT`]);
      expect(lines(await must("bridge", ["-n", ns, "fdb", "show", "dev", "flannel.1"]))).toEqual([`${o.mac} dst ${o.ip} self permanent`]);
      const routes = lines(await must("ip", ["-n", ns, "route", "show"]));
      expect(routes).toContain(`${o.pods} via ${o.vtep} dev flannel.1 onlink`);
      expect(routes).toContain(`${want.bridge.replace(/\.1\/24$/, ".0/24")} dev cni0 proto kernel scope link src ${want.bridge.split("/")[0]}`);
    });

    it.each(Object.entries(EXPECTED))("%s: cni0 holds the pod subnet's gateway; pods leaving the pod network are masqueraded", async (name, want) => {
      const { ns } = nodeFor(name);
      const addrs = lines(await must("ip", ["-n", ns, "-o", "-4", "addr", "show", "dev", "cni0"])).map((l) => l.split(/\s+/)[3]);
      expect(addrs).toEqual([want.bridge]);
      const nat = saved(await inNs(ns, ["iptables-save", "-t", "nat"]));
      expect(nat.filter((l) => l.startsWith("-A "))).toEqual(["-A POSTROUTING -s 10.20.0.0/16 ! -d 10.20.0.0/16 -j MASQUERADE"]);
    });

    it("running both scripts a second time succeeds and changes nothing", async () => {
      for (const { ns, node } of [node1, node2]) {
        const before = await nsNetwork(ns);
        const run = await runScript(ns, scripts.get(node.name)!);
        expect(run.exitCode, `${node.name}: ${run.stderr}`).toBe(0);
        expect(run.stderr, node.name).toBe("");
        expect(await nsNetwork(ns), node.name).toEqual(before);
      }
    });

    it("traffic crosses the VXLAN: fed-node1 reaches fed-node2's cni0 (10.20.1.1), pod subnet to pod subnet both ways, unmasqueraded", async () => {
      // A test address in each node's pod subnet, on its pod bridge.
      await must("ip", ["-n", node1.ns, "addr", "add", "10.20.0.10/24", "dev", "cni0"]);
      await must("ip", ["-n", node2.ns, "addr", "add", "10.20.1.10/24", "dev", "cni0"]);
      const toBridge = await exchange(node1.ns, node2.ns, "10.20.1.1");
      expect(toBridge, toBridge.error).toMatchObject({ ok: true, at: "10.20.1.1" });
      // The node's own traffic leaves flannel.1 with flannel.1's address.
      expect(toBridge.from).toBe("10.20.0.0");
      const there = await exchange(node1.ns, node2.ns, "10.20.1.10", { source: "10.20.0.10" });
      expect(there, there.error).toEqual({ ok: true, from: "10.20.0.10", at: "10.20.1.10" });
      const back = await exchange(node2.ns, node1.ns, "10.20.0.10", { source: "10.20.1.10" });
      expect(back, back.error).toEqual({ ok: true, from: "10.20.1.10", at: "10.20.0.10" });
      // And it went through the VXLAN device.
      const tx = await must("ip", ["-n", node1.ns, "-s", "link", "show", "flannel.1"]);
      expect(Number(/TX:[^\n]*\n\s*\d+\s+(\d+)/.exec(tx)?.[1] ?? 0)).toBeGreaterThan(0);
    });

    it("without fed-node1's forwarding entry for fed-node2 nothing gets through; re-running network.sh restores it", async () => {
      await must("bridge", ["-n", node1.ns, "fdb", "del", "02:00:ac:1e:00:0c", "dev", "flannel.1", "dst", "172.30.0.12"]);
      const cut = await exchange(node1.ns, node2.ns, "10.20.1.10", { source: "10.20.0.10", timeoutMs: 2_000 });
      expect(cut.ok).toBe(false);
      const run = await runScript(node1.ns, scripts.get("fed-node1")!);
      expect(run.exitCode, run.stderr).toBe(0);
      const again = await exchange(node1.ns, node2.ns, "10.20.1.10", { source: "10.20.0.10" });
      expect(again, again.error).toEqual({ ok: true, from: "10.20.0.10", at: "10.20.1.10" });
    });
  });

  describe("routes: network.sh of fedora-multi's workers with the routes overlay", () => {
    const plan = fedoraMultiPlan("routes");
    let node1: NsNode;
    let node2: NsNode;
    const scripts = new Map<string, string>();

    beforeAll(async () => {
      expect(plan.network.overlay).toBe("routes");
      [node1, node2] = await nodePair("rt", plan, ["fed-node1", "fed-node2"]);
      for (const { node } of [node1, node2]) {
        scripts.set(node.name, await writeScript(`routes-${node.name}.sh`, rendered(plan, node, `${KUBELAB_DIR}/network.sh`)));
      }
    });
    afterAll(async () => {
      for (const n of [node1, node2]) if (n) await deleteNamespace(n.ns);
    });

    it("both scripts run cleanly, each in its node's namespace", async () => {
      for (const { ns, node } of [node1, node2]) {
        const run = await runScript(ns, scripts.get(node.name)!);
        expect(run.stderr, node.name).toBe("");
        expect(run.exitCode, `${node.name}: ${run.stderr}`).toBe(0);
      }
    });

    it.each([
      ["fed-node1", "10.20.0.1/24", "10.20.1.0/24 via 172.30.0.12 dev eth0"],
      ["fed-node2", "10.20.1.1/24", "10.20.0.0/24 via 172.30.0.11 dev eth0"],
    ])("%s: cni0 with %s, a route to the other worker's pods (%s), masquerading, no VXLAN", async (name, bridge, route) => {
      const { ns } = name === "fed-node1" ? node1 : node2;
      const addrs = lines(await must("ip", ["-n", ns, "-o", "-4", "addr", "show", "dev", "cni0"])).map((l) => l.split(/\s+/)[3]);
      expect(addrs).toEqual([bridge]);
      expect(lines(await must("ip", ["-n", ns, "route", "show"]))).toContain(route);
      const nat = saved(await inNs(ns, ["iptables-save", "-t", "nat"]));
      expect(nat.filter((l) => l.startsWith("-A "))).toEqual(["-A POSTROUTING -s 10.20.0.0/16 ! -d 10.20.0.0/16 -j MASQUERADE"]);
      const vxlan = await execa("ip", ["-n", ns, "link", "show", "flannel.1"], { reject: false });
      expect(vxlan.exitCode).not.toBe(0);
    });

    it("running both scripts a second time succeeds and changes nothing", async () => {
      for (const { ns, node } of [node1, node2]) {
        const before = await nsNetwork(ns);
        const run = await runScript(ns, scripts.get(node.name)!);
        expect(run.exitCode, `${node.name}: ${run.stderr}`).toBe(0);
        expect(run.stderr, node.name).toBe("");
        expect(await nsNetwork(ns), node.name).toEqual(before);
      }
    });

    it("traffic follows the route: fed-node1 reaches fed-node2's cni0 (10.20.1.1), pod subnet to pod subnet both ways, unmasqueraded", async () => {
      await must("ip", ["-n", node1.ns, "addr", "add", "10.20.0.10/24", "dev", "cni0"]);
      await must("ip", ["-n", node2.ns, "addr", "add", "10.20.1.10/24", "dev", "cni0"]);
      const toBridge = await exchange(node1.ns, node2.ns, "10.20.1.1");
      expect(toBridge, toBridge.error).toMatchObject({ ok: true, at: "10.20.1.1", from: "172.30.0.11" });
      const there = await exchange(node1.ns, node2.ns, "10.20.1.10", { source: "10.20.0.10" });
      expect(there, there.error).toEqual({ ok: true, from: "10.20.0.10", at: "10.20.1.10" });
      const back = await exchange(node2.ns, node1.ns, "10.20.0.10", { source: "10.20.1.10" });
      expect(back, back.error).toEqual({ ok: true, from: "10.20.1.10", at: "10.20.0.10" });
    });

    it("without fed-node1's route to fed-node2's pods nothing gets through; re-running network.sh restores it", async () => {
      await must("ip", ["-n", node1.ns, "route", "del", "10.20.1.0/24"]);
      const cut = await exchange(node1.ns, node2.ns, "10.20.1.10", { source: "10.20.0.10", timeoutMs: 2_000 });
      expect(cut.ok).toBe(false);
      const run = await runScript(node1.ns, scripts.get("fed-node1")!);
      expect(run.exitCode, run.stderr).toBe(0);
      const again = await exchange(node1.ns, node2.ns, "10.20.1.10", { source: "10.20.0.10" });
      expect(again, again.error).toEqual({ ok: true, from: "10.20.0.10", at: "10.20.1.10" });
    });
  });

  describe("flannel: flannel-cni.sh of fedora-multi-flannel-v1.20.2's workers, with a lease as flanneld writes it", () => {
    const { plan } = renderCase("fedora-multi-flannel-v1.20.2");
    let ns: string;
    let script: string;
    let conflist: string;

    beforeAll(async () => {
      const node = plan.nodes.find((n) => n.name === "fed-node1")!;
      const original = rendered(plan, node, `${KUBELAB_DIR}/flannel-cni.sh`);
      // Both workers get the same script: the lease is what differs.
      expect(rendered(plan, plan.nodes.find((n) => n.name === "fed-node2")!, `${KUBELAB_DIR}/flannel-cni.sh`)).toBe(original);
      const env = join(work, "subnet.env");
      conflist = join(work, "10-kubelab.conflist");
      expect(original).toContain(FLANNEL_SUBNET_ENV);
      expect(original).toContain(CNI_CONF_FILE);
      const mapped = original.replaceAll(FLANNEL_SUBNET_ENV, env).replaceAll(CNI_CONF_FILE, conflist);
      // flanneld's subnet file for a lease of 10.20.7.0/24: FLANNEL_SUBNET is the lease's first address.
      await writeFile(env, "FLANNEL_NETWORK=10.20.0.0/16\nFLANNEL_SUBNET=10.20.7.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
      script = await writeScript("flannel-cni.sh", mapped);
      ns = await addNamespace("fl-fed-node1");
    });
    afterAll(async () => {
      if (ns) await deleteNamespace(ns);
    });

    it("runs cleanly and puts the lease's first address on cni0", async () => {
      const run = await runScript(ns, script);
      expect(run.stderr).toBe("");
      expect(run.exitCode, run.stderr).toBe(0);
      const addrs = lines(await must("ip", ["-n", ns, "-o", "-4", "addr", "show", "dev", "cni0"])).map((l) => l.split(/\s+/)[3]);
      expect(addrs).toEqual(["10.20.7.1/24"]);
      expect(await must("ip", ["-n", ns, "link", "show", "cni0"])).toMatch(/<[^>]*\bUP\b[^>]*>/);
    });

    it("writes a CNI configuration with flannel's MTU, leaving masquerading to flanneld", async () => {
      const c = JSON.parse(await readFile(conflist, "utf8")) as {
        cniVersion: string;
        name: string;
        plugins: Array<Record<string, unknown> & { type: string; ipam?: { type: string; routes: unknown } }>;
      };
      expect(c.cniVersion).toBe("0.4.0");
      expect(c.name).toBe("kubelab");
      expect(c.plugins.map((p) => p.type)).toEqual(["bridge", "portmap"]);
      expect(c.plugins[0]).toMatchObject({ bridge: "cni0", isGateway: true, ipMasq: false, hairpinMode: true, mtu: 1450 });
      expect(c.plugins[0]?.ipam).toMatchObject({ type: "host-local", routes: [{ dst: "0.0.0.0/0" }] });
    });

    it("running it a second time succeeds and changes nothing", async () => {
      const before = { network: await nsNetwork(ns), conflist: await readFile(conflist, "utf8") };
      const run = await runScript(ns, script);
      expect(run.exitCode, run.stderr).toBe(0);
      expect({ network: await nsNetwork(ns), conflist: await readFile(conflist, "utf8") }).toEqual(before);
    });
  });

  describe.skipIf(skipUnlessAvailable(CNI_SUITE, cniMissing))(CNI_SUITE, () => {
    failWhenMissing(CNI_SUITE, cniMissing);
    afterAll(cleanUp);

    interface CniResult {
      ips: Array<{ address: string; gateway: string }>;
    }

    /**
     * Gives a pod namespace its interface with the bridge plugin, run in the node's namespace with
     * the first plugin of `conflist` (as libcni hands it over: with the list's name and version).
     */
    async function cniAdd(nodeNs: string, podNs: string, conflist: string, id: string) {
      const list = JSON.parse(conflist) as { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> };
      const plugin = list.plugins[0] as { type: string; ipam: Record<string, unknown> };
      expect(plugin.type).toBe("bridge");
      const config = { cniVersion: list.cniVersion, name: list.name, ...plugin, ipam: { ...plugin.ipam, dataDir: join(work, "cni-ipam", id) } };
      const run = await execa("ip", ["netns", "exec", nodeNs, artifactCniPlugin("bridge")], {
        input: JSON.stringify(config),
        reject: false,
        timeout: 30_000,
        env: {
          CNI_COMMAND: "ADD",
          CNI_CONTAINERID: id,
          CNI_NETNS: `/run/netns/${podNs}`,
          CNI_IFNAME: "eth0",
          CNI_PATH: artifactCniPlugin(""),
        },
      });
      return { exitCode: run.exitCode, output: run.stdout || run.stderr, result: run.exitCode === 0 ? (JSON.parse(run.stdout) as CniResult) : undefined };
    }

    /** A node pair with its network.sh run, and a pod on each node made from the node's CNI file. */
    async function podsAcross(tag: string, plan: Plan) {
      const pair = await nodePair(tag, plan, ["fed-node1", "fed-node2"]);
      const pods: Array<{ ns: string; ip: string; gateway: string; mtu: number }> = [];
      for (const { ns, node } of pair) {
        const run = await runScript(ns, await writeScript(`${tag}-${node.name}.sh`, rendered(plan, node, `${KUBELAB_DIR}/network.sh`)));
        expect(run.exitCode, run.stderr).toBe(0);
        const pod = await addNamespace(`${tag}-pod-${node.name}`);
        const added = await cniAdd(ns, pod, rendered(plan, node, CNI_CONF_FILE), `${tag}-${node.name}`);
        expect(added.exitCode, added.output).toBe(0);
        const ip = added.result!.ips[0]!;
        const link = await must("ip", ["-n", pod, "link", "show", "eth0"]);
        pods.push({ ns: pod, ip: ip.address, gateway: ip.gateway, mtu: Number(/\bmtu (\d+)/.exec(link)?.[1]) });
      }
      return { pair, pods: pods as [(typeof pods)[0], (typeof pods)[0]] };
    }

    it("vxlan: each worker's pod gets an address of its subnet and MTU 1450, and the pods talk across the VXLAN with their own addresses", async () => {
      const { pods } = await podsAcross("cv", renderCase("fedora-multi-vxlan-v1.20.2").plan);
      expect(pods.map(({ ip, gateway, mtu }) => ({ ip, gateway, mtu }))).toEqual([
        { ip: "10.20.0.2/24", gateway: "10.20.0.1", mtu: 1450 },
        { ip: "10.20.1.2/24", gateway: "10.20.1.1", mtu: 1450 },
      ]);
      const [a, b] = pods;
      expect(await exchange(a.ns, b.ns, "10.20.1.2")).toEqual({ ok: true, from: "10.20.0.2", at: "10.20.1.2" });
      expect(await exchange(b.ns, a.ns, "10.20.0.2")).toEqual({ ok: true, from: "10.20.1.2", at: "10.20.0.2" });
    });

    it("routes: the same across the route, with the bridge plugin's default MTU", async () => {
      const { pods } = await podsAcross("cr", fedoraMultiPlan("routes"));
      expect(pods.map(({ ip, gateway, mtu }) => ({ ip, gateway, mtu }))).toEqual([
        { ip: "10.20.0.2/24", gateway: "10.20.0.1", mtu: 1500 },
        { ip: "10.20.1.2/24", gateway: "10.20.1.1", mtu: 1500 },
      ]);
      const [a, b] = pods;
      expect(await exchange(a.ns, b.ns, "10.20.1.2")).toEqual({ ok: true, from: "10.20.0.2", at: "10.20.1.2" });
      expect(await exchange(b.ns, a.ns, "10.20.0.2")).toEqual({ ok: true, from: "10.20.1.2", at: "10.20.0.2" });
    });

    describe("flannel: the CNI configuration flannel-cni.sh writes from a lease of 10.20.7.0/24", () => {
      let nodeNs: string;
      let written: string;
      beforeAll(async () => {
        const { plan } = renderCase("fedora-multi-flannel-v1.20.2");
        const node = plan.nodes.find((n) => n.name === "fed-node1")!;
        const env = join(work, "cni-subnet.env");
        const conflist = join(work, "cni-10-kubelab.conflist");
        await writeFile(env, "FLANNEL_NETWORK=10.20.0.0/16\nFLANNEL_SUBNET=10.20.7.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
        const script = rendered(plan, node, `${KUBELAB_DIR}/flannel-cni.sh`).replaceAll(FLANNEL_SUBNET_ENV, env).replaceAll(CNI_CONF_FILE, conflist);
        nodeNs = await addNamespace("cf-fed-node1");
        const run = await runScript(nodeNs, await writeScript("cf-flannel-cni.sh", script));
        expect(run.exitCode, run.stderr).toBe(0);
        written = await readFile(conflist, "utf8");
      });

      it("a pod gets an address from the lease, its MTU from flannel", async () => {
        // flanneld writes the lease's first address (10.20.7.1/24): the conflist names its network.
        expect([...written.matchAll(/"subnet": "([^"]+)"/g)].map((m) => m[1])).toEqual(["10.20.7.0/24"]);
        const pod = await addNamespace("cf-pod");
        const added = await cniAdd(nodeNs, pod, written, "cf-rendered");
        expect(added.exitCode, added.output).toBe(0);
        expect(added.result?.ips).toEqual([{ address: "10.20.7.2/24", gateway: "10.20.7.1", interface: 2, version: "4" }]);
        expect(await must("ip", ["-n", pod, "link", "show", "eth0"])).toMatch(/\bmtu 1450\b/);
      });
    });
  });

  describe("afterwards", () => {
    it("every namespace is deleted and the host's own network is as it was", async () => {
      await cleanUp();
      const after = await hostState();
      expect(after["ip netns list"]!.filter((l) => l.includes(PREFIX))).toEqual([]);
      const changes = hostChanges(hostBefore, after);
      const ours = changes.filter((c) => OURS.some((re) => re.test(c)));
      expect(ours, "the test changed the host's own network namespace").toEqual([]);
      if (changes.length > 0) {
        // Nothing here names a device, address, rule or namespace of this test: something else on
        // the host (e.g. Docker starting a container) changed it meanwhile.
        console.warn(`[test/render] the host's network changed during the test, not by it:\n${changes.map((c) => `  ${c}`).join("\n")}`);
      }
      console.info(`[test/render] host unchanged by the namespace tests (compared: ${Object.keys(after).join(", ")})`);
    });
  });
});

describe("the host comparison", () => {
  it("would see a device, address, route, rule or namespace of this test left on the host, and only those", () => {
    const before = { "ip -o link": ["1: lo: <LOOPBACK,UP>"], "ip route": ["default via 192.0.2.1 dev eth0"], "iptables-save -t nat": ["*nat"] };
    const after = {
      "ip -o link": ["1: lo: <LOOPBACK,UP>", "7: cni0: <BROADCAST,UP>", "8: flannel.1: <BROADCAST,UP>", "9: veth1234@if2: <UP>"],
      "ip route": ["default via 192.0.2.1 dev eth0", "10.20.1.0/24 via 10.20.1.0 dev flannel.1 onlink"],
      "iptables-save -t nat": ["*nat", "-A POSTROUTING -s 10.20.0.0/16 ! -d 10.20.0.0/16 -j MASQUERADE"],
    };
    const changes = hostChanges(before, after);
    expect(changes).toHaveLength(5);
    expect(changes.filter((c) => OURS.some((re) => re.test(c)))).toEqual([
      "+ ip -o link: 7: cni0: <BROADCAST,UP>",
      "+ ip -o link: 8: flannel.1: <BROADCAST,UP>",
      "+ ip route: 10.20.1.0/24 via 10.20.1.0 dev flannel.1 onlink",
      "+ iptables-save -t nat: -A POSTROUTING -s 10.20.0.0/16 ! -d 10.20.0.0/16 -j MASQUERADE",
    ]);
    expect(hostChanges(after, before)).toHaveLength(5);
  });
});
