/**
 * The load balancer's HAProxy configuration (labs/ha-etcd.yaml), read three ways:
 *
 * - structurally, here: TCP mode, the bind on the API port, one `server` line per controller at its
 *   address, /healthz checked over TLS every 500ms (each check given 2s, fall 2, rise 2), the admin socket where the
 *   checks read it and in the folder the systemd drop-in creates;
 * - by the REAL HAProxy of the node image (`haproxy -c`, in a throwaway container without network),
 *   which must call the file valid, with no warning, and must refuse broken variants;
 * - by HAProxy running it, in a throwaway container without network: the controllers' addresses
 *   live in a network namespace of the container, served by `openssl s_server` (TLS only, as an API
 *   server), one answering /healthz with 200 and the other with 500. HAProxy must mark them UP and
 *   DOWN through TLS health checks, its admin socket must answer the load balancer check's own
 *   query (`backendStates` of src/checks/load-balancer.ts, run unchanged through a stand-in
 *   provider), requests through the load balancer must reach the healthy one only, and swapping
 *   their health must swap their states within seconds;
 * - the drop-in, with `systemd-analyze verify` of the node image's own haproxy.service.
 *
 * The container suites follow the skip-or-fail rule of real-tools.ts.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendStates } from "../../src/checks/load-balancer.js";
import type { LabContext } from "../../src/pipeline/lab-context.js";
import type { ExecResult, Provider } from "../../src/providers/provider.js";
import { HAPROXY_BACKEND, HAPROXY_CONFIG, HAPROXY_SOCKET, HEALTH_CHECK, haproxyConfig } from "../../src/render/haproxy.js";
import { UNIT_DIR } from "../../src/render/node-layout.js";
import { fakeNodeFiles, fileAt, renderCase, renderCases, text, unitValues } from "./lab-fixtures.js";
import { failWhenMissing, findNodeImage, missingCommand, skipUnlessAvailable } from "./real-tools.js";

const { plan } = renderCase("ha-etcd-v1.20.2");
const lb = plan.api.loadBalancer!;
const lbFiles = fakeNodeFiles(plan, lb);
const config = text(fileAt(lbFiles, HAPROXY_CONFIG));
const DROP_IN = `${UNIT_DIR}/haproxy.service.d/kubelab.conf`;

/** The sections of an HAProxy configuration ("global", "frontend kube-apiserver", ...) and their settings, comments left out. */
function sections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of cfg.split("\n")) {
    const line = raw.replace(/#.*$/, "").trimEnd();
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      if (out.has(line)) throw new Error(`section "${line}" twice`);
      current = [];
      out.set(line, current);
    } else {
      if (!current) throw new Error(`a setting outside any section: ${line}`);
      current.push(line.trim().replace(/\s+/g, " "));
    }
  }
  return out;
}

describe("haproxy.cfg of labs/ha-etcd.yaml's load balancer", () => {
  const parsed = sections(config);
  const section = (name: string): string[] => {
    const found = parsed.get(name);
    if (!found) throw new Error(`no section "${name}" in ${[...parsed.keys()].join(", ")}`);
    return found;
  };

  it("is what haproxyConfig renders, and is made for the load balancer only", () => {
    expect(config).toBe(haproxyConfig(plan));
    expect([...parsed.keys()]).toEqual(["global", "defaults", "frontend kube-apiserver", `backend ${HAPROXY_BACKEND}`]);
  });

  it("opens the admin socket the checks read, in the folder the drop-in makes HAProxy's service create", () => {
    expect(HAPROXY_SOCKET).toBe("/run/haproxy/admin.sock");
    expect(section("global")).toContain(`stats socket ${HAPROXY_SOCKET} mode 600 level admin`);
    const runtimeDirectories = unitValues(text(fileAt(lbFiles, DROP_IN)), "Service", "RuntimeDirectory");
    expect(runtimeDirectories.map((d) => `/run/${d}`)).toEqual([dirname(HAPROXY_SOCKET)]);
  });

  it("passes TCP through: TLS ends at the API servers, which authenticate the clients", () => {
    expect(section("defaults")).toEqual(expect.arrayContaining(["mode tcp", "option redispatch", "retries 3"]));
    expect(config).not.toMatch(/\bmode http\b|\bssl crt\b/);
  });

  it("listens on the API port of the load balancer's address, for the backend of the API servers", () => {
    expect(plan.api.port).toBe(6443);
    expect(section("frontend kube-apiserver")).toEqual(["bind 0.0.0.0:6443", `default_backend ${HAPROXY_BACKEND}`]);
    expect(plan.api.endpoint).toBe(`https://${lb.ip}:6443`);
  });

  it("has each controller as a server at its address and API port, and nothing else", () => {
    const servers = section(`backend ${HAPROXY_BACKEND}`).filter((l) => l.startsWith("server "));
    expect(servers).toEqual(["server controller1 172.30.0.13:6443", "server controller2 172.30.0.14:6443"]);
    expect(servers).toEqual(plan.api.servers.map((s) => `server ${s.name} ${s.ip}:${plan.api.port}`));
  });

  it("checks every server's /healthz over TLS without verifying it, every 500ms, each check given 2s, out after 2 failures, back after 2 successes", () => {
    const backend = section(`backend ${HAPROXY_BACKEND}`);
    expect(backend).toEqual(expect.arrayContaining(["balance roundrobin", "option httpchk GET /healthz", "http-check expect status 200", "timeout check 2000ms"]));
    const defaults = backend.filter((l) => l.startsWith("default-server "));
    expect(defaults).toHaveLength(1);
    expect(defaults[0]).toContain("check-ssl verify none");
    expect(defaults[0]).toContain("inter 500ms fastinter 250ms fall 2 rise 2");
    expect(HEALTH_CHECK).toEqual({ intervalMs: 500, fastIntervalMs: 250, timeoutMs: 2_000, fall: 2, rise: 2 });
    // No server line turns its checks off or changes them.
    for (const server of backend.filter((l) => l.startsWith("server "))) expect(server.split(" ")).toHaveLength(3);
  });

  it("is on no node of a lab without a load balancer", () => {
    for (const { id, plan: other } of renderCases().filter((c) => c.plan.api.loadBalancer === undefined)) {
      for (const node of other.nodes) {
        const paths = fakeNodeFiles(other, node).map((f) => f.path);
        expect(paths.filter((p) => p.includes("haproxy")), `${id}/${node.name}`).toEqual([]);
      }
    }
  });
});

const { image, missing: noImage } = await findNodeImage();

function nodeImage(): string {
  if (image === undefined) throw new Error("no node image");
  return image;
}

const CHECK_SUITE = "haproxy -c of the rendered haproxy.cfg, with the node image's HAProxy";

describe.skipIf(skipUnlessAvailable(CHECK_SUITE, noImage))(CHECK_SUITE, () => {
  failWhenMissing(CHECK_SUITE, noImage);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-haproxy-"));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `haproxy -c` of a configuration, in a throwaway container of the node image without network. */
  async function check(cfg: string, name: string) {
    const file = join(dir, `${name}.cfg`);
    await writeFile(file, cfg, { mode: 0o644 });
    return execa(
      "docker",
      ["run", "--rm", "--network=none", "--entrypoint", "haproxy", "-v", `${file}:${HAPROXY_CONFIG}:ro`, nodeImage(), "-c", "-f", HAPROXY_CONFIG],
      { reject: false, timeout: 120_000 },
    );
  }

  it("the node image has HAProxy 2.6", async () => {
    const run = await execa("docker", ["run", "--rm", "--network=none", "--entrypoint", "haproxy", nodeImage(), "-v"], { reject: false, timeout: 120_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^HAProxy version 2\.6\./);
  });

  it("says the configuration is valid, without a warning", async () => {
    const run = await check(config, "rendered");
    expect({ exitCode: run.exitCode, stdout: run.stdout.trim(), stderr: run.stderr.trim() }).toEqual({
      exitCode: 0,
      stdout: "Configuration file is valid",
      stderr: "",
    });
  });

  it("and so does it for three controllers", async () => {
    const three = { ...plan, api: { ...plan.api, servers: [...plan.api.servers, { ...plan.api.servers[1]!, name: "controller3", ip: "172.30.0.17" }] } };
    const run = await check(haproxyConfig(three), "three");
    expect([run.exitCode, run.stdout.trim(), run.stderr.trim()]).toEqual([0, "Configuration file is valid", ""]);
  });

  describe("would catch a broken configuration", () => {
    async function expectRefused(name: string, broken: string, alert: RegExp): Promise<void> {
      expect(broken, "the broken variant must differ").not.toBe(config);
      const run = await check(broken, name);
      expect(run.exitCode).not.toBe(0);
      expect(run.stdout).not.toMatch(/Configuration file is valid/);
      expect(run.stderr).toMatch(alert);
    }

    it("an unknown keyword", async () => {
      await expectRefused("keyword", config.replace("  balance roundrobin", "  balance roundrobin\n  frobnicate yes"), /unknown keyword 'frobnicate' in 'backend' section/);
    });

    it("a misspelt option", async () => {
      await expectRefused("option", config.replace("option redispatch", "option redispach"), /unknown option 'redispach'/);
    });

    it("a check interval that is not a time", async () => {
      await expectRefused("interval", config.replace("inter 500ms", "inter halfasecond"), /unexpected character 'h' in '(agent-)?inter' argument/);
    });

    it("a default backend that does not exist", async () => {
      await expectRefused("backend", config.replace(`default_backend ${HAPROXY_BACKEND}`, "default_backend kube-apiserverz"), /unable to find required default_backend: 'kube-apiserverz'/);
    });
  });
});

/** Why a container of the node image cannot have a network namespace and a veth pair of its own, if it cannot. */
async function missingNamespaces(): Promise<string[]> {
  if (image === undefined) return [];
  const probe = ["run", "--rm", "--network=none", "--cap-add=NET_ADMIN", "--cap-add=SYS_ADMIN", "--entrypoint", "sh", image];
  const run = await execa("docker", [...probe, "-c", "ip netns add probe && ip link add a0 type veth peer name b0"], { reject: false, timeout: 120_000 });
  return run.exitCode === 0 ? [] : [`a container with NET_ADMIN and SYS_ADMIN cannot make a network namespace and a veth pair here: ${run.stderr.trim() || run.shortMessage}`];
}

const runMissing = [...noImage, ...(await missingNamespaces())];
const RUN_SUITE = "HAProxy running the rendered haproxy.cfg, in front of two TLS servers playing API servers";

describe.skipIf(skipUnlessAvailable(RUN_SUITE, runMissing))(RUN_SUITE, () => {
  failWhenMissing(RUN_SUITE, runMissing);
  const [first, second] = plan.api.servers as [(typeof plan.api.servers)[0], (typeof plan.api.servers)[0]];
  let dir: string;
  let container = "";

  /** Runs a shell script in the container; throws when it fails. */
  async function sh(script: string): Promise<string> {
    const run = await execa("docker", ["exec", container, "sh", "-c", script], { reject: false, timeout: 60_000 });
    if (run.exitCode !== 0) throw new Error(`in the container, \`${script}\` exited ${run.exitCode}: ${run.stderr || run.stdout}`);
    return run.stdout;
  }

  /** A provider that only runs commands, in the container, whatever the lab and node. */
  const provider = {
    async exec(_lab: string, _node: string, argv: string[]): Promise<ExecResult> {
      const run = await execa("docker", ["exec", container, ...argv], { reject: false, timeout: 60_000 });
      return { exitCode: run.exitCode ?? -1, stdout: run.stdout, stderr: run.stderr };
    },
  } as unknown as Provider;
  const ctx = { plan, provider, signal: new AbortController().signal } as unknown as LabContext;

  /** HAProxy's `show stat` of the backend: per server, its status, check status and the HTTP code of its last check. */
  async function stats(): Promise<Record<string, string>> {
    const csv = await sh(`echo "show stat" | socat stdio ${HAPROXY_SOCKET}`);
    const [header, ...rows] = csv.split("\n").filter((l) => l.trim() !== "");
    const columns = header!.replace(/^# /, "").split(",");
    const col = (row: string[], name: string): string => row[columns.indexOf(name)] ?? "";
    return Object.fromEntries(
      rows
        .map((r) => r.split(","))
        .filter((r) => col(r, "pxname") === HAPROXY_BACKEND && !["BACKEND", "FRONTEND"].includes(col(r, "svname")))
        .map((r) => [col(r, "svname"), `${col(r, "status")} ${col(r, "check_status")} ${col(r, "check_code")}`]),
    );
  }

  /** Polls `backendStates` until it gives `want`; returns how long that took. */
  async function waitForStates(want: Record<string, number>, timeoutMs = 15_000): Promise<number> {
    const started = Date.now();
    let seen: Record<string, number> = {};
    while (Date.now() - started < timeoutMs) {
      seen = Object.fromEntries(await backendStates(ctx));
      if (JSON.stringify(seen) === JSON.stringify(want)) return Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`HAProxy's servers stayed ${JSON.stringify(seen)}, expected ${JSON.stringify(want)}`);
  }

  /** What a server answers on /healthz: a complete HTTP response, as `openssl s_server -HTTP` sends files. */
  const healthz = (status: "200 OK" | "500 Internal Server Error", body: string) =>
    `printf 'HTTP/1.0 ${status}\\r\\nContent-Type: text/plain\\r\\nContent-Length: ${body.length}\\r\\n\\r\\n${body}'`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-haproxy-run-"));
    await chmod(dir, 0o755);
    const cfg = join(dir, "haproxy.cfg");
    await writeFile(cfg, config, { mode: 0o644 });
    // NET_ADMIN and SYS_ADMIN only for the namespace and veth pair inside the container; no network.
    const run = await execa(
      "docker",
      [
        "run", "-d", "--rm", "--network=none", "--cap-add=NET_ADMIN", "--cap-add=SYS_ADMIN",
        "--label", "kubelab.test=render-haproxy", "-v", `${cfg}:${HAPROXY_CONFIG}:ro`,
        "--entrypoint", "sleep", nodeImage(), "600",
      ],
      { timeout: 120_000 },
    );
    container = run.stdout.trim();
    const runtimeDirectory = unitValues(text(fileAt(lbFiles, DROP_IN)), "Service", "RuntimeDirectory")[0]!;
    await sh(
      [
        "set -e",
        // The controllers live behind a veth pair, in a namespace of their own (they listen on the same port as HAProxy).
        "ip netns add controllers",
        "ip link add lb0 type veth peer name ctl0",
        "ip link set ctl0 netns controllers",
        `ip addr add ${lb.ip}/24 dev lb0`,
        "ip link set lb0 up",
        `ip -n controllers addr add ${first.ip}/24 dev ctl0`,
        `ip -n controllers addr add ${second.ip}/24 dev ctl0`,
        "ip -n controllers link set ctl0 up",
        "ip -n controllers link set lo up",
        "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout /tmp/api.key -out /tmp/api.crt -days 1 2>/dev/null",
        `mkdir -p /tmp/${first.name} /tmp/${second.name}`,
        `${healthz("200 OK", "ok")} > /tmp/${first.name}/healthz`,
        `${healthz("500 Internal Server Error", "[-]etcd failed")} > /tmp/${second.name}/healthz`,
        ...[first, second].map(
          (s) => `(cd /tmp/${s.name} && exec ip netns exec controllers openssl s_server -quiet -HTTP -accept ${s.ip}:6443 -cert /tmp/api.crt -key /tmp/api.key) >/tmp/${s.name}.log 2>&1 &`,
        ),
        // What systemd does for the drop-in's RuntimeDirectory=.
        `mkdir -p /run/${runtimeDirectory}`,
        `haproxy -W -f ${HAPROXY_CONFIG} >/tmp/haproxy.log 2>&1 &`,
        `for i in $(seq 50); do [ -S ${HAPROXY_SOCKET} ] && exit 0; sleep 0.1; done; cat /tmp/haproxy.log; exit 1`,
      ].join("\n"),
    );
  }, 180_000);

  afterAll(async () => {
    if (container) await execa("docker", ["rm", "-f", container], { reject: false, timeout: 60_000 });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("checks each server's /healthz over TLS: 200 is UP, 500 is DOWN, as the load balancer check reads them", async () => {
    await waitForStates({ [first.name]: 2, [second.name]: 0 });
    expect(await stats()).toEqual({ [first.name]: "UP L7OK 200", [second.name]: "DOWN L7STS 500" });
  });

  it("passes requests to the healthy server only", async () => {
    await waitForStates({ [first.name]: 2, [second.name]: 0 });
    for (let i = 0; i < 4; i++) {
      // From the controllers' side of the veth, as a worker would reach the load balancer.
      const body = await sh(`ip netns exec controllers curl -sk --max-time 5 https://${lb.ip}:6443/healthz`);
      expect(body).toBe("ok");
    }
  });

  it("swaps the servers' states within seconds when their health swaps (inter 500ms, fall 2, rise 2)", async () => {
    await waitForStates({ [first.name]: 2, [second.name]: 0 });
    await sh(
      [
        `${healthz("500 Internal Server Error", "[-]etcd failed")} > /tmp/${first.name}/healthz.new && mv /tmp/${first.name}/healthz.new /tmp/${first.name}/healthz`,
        `${healthz("200 OK", "ok")} > /tmp/${second.name}/healthz.new && mv /tmp/${second.name}/healthz.new /tmp/${second.name}/healthz`,
      ].join("\n"),
    );
    const tookMs = await waitForStates({ [first.name]: 0, [second.name]: 2 });
    expect(tookMs).toBeLessThan(5_000);
    expect(await stats()).toEqual({ [first.name]: "DOWN L7STS 500", [second.name]: "UP L7OK 200" });
    expect(await sh(`ip netns exec controllers curl -sk --max-time 5 https://${lb.ip}:6443/healthz`)).toBe("ok");
  });

  it("keeps a server that stalls for a second in: one slow answer to a check does not take it out", async () => {
    // After the swap, the second server is the only one up: taking it out would fail every request.
    await waitForStates({ [first.name]: 0, [second.name]: 2 });
    // Its process frozen for 1.2 s, as a busy API server answers late; "[o]" keeps the shell's own line from matching.
    const pattern = `[o]penssl s_server .*-accept ${second.ip}:6443`;
    const stall = sh(`pkill -STOP -f '${pattern}' && sleep 1.2; pkill -CONT -f '${pattern}'`);
    const seen = new Set<number>();
    const started = Date.now();
    while (Date.now() - started < 3_000) {
      seen.add((await backendStates(ctx)).get(second.name) ?? -1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stall;
    expect([...seen]).toEqual([2]);
    expect(await sh(`ip netns exec controllers curl -sk --max-time 5 https://${lb.ip}:6443/healthz`)).toBe("ok");
  });

  it("logged nothing alarming but the servers' state changes", async () => {
    const log = await sh("cat /tmp/haproxy.log");
    const lines = log.split("\n").filter((l) => /\[(WARNING|ALERT)\]/.test(l));
    expect(lines.filter((l) => !/Server kube-apiservers\/controller\d is (UP|DOWN)|has no server available/.test(l))).toEqual([]);
  });
});

const VERIFY_SUITE = "systemd-analyze verify of haproxy.service with the rendered drop-in";
const verifyMissing = [...noImage, ...(await missingCommand("systemd-analyze", ["--version"]))];

describe.skipIf(skipUnlessAvailable(VERIFY_SUITE, verifyMissing))(VERIFY_SUITE, () => {
  failWhenMissing(VERIFY_SUITE, verifyMissing);
  let root: string;
  let vendorUnit: string;

  /** A file of the node image, as bytes. */
  async function fromImage(path: string): Promise<Buffer> {
    const run = await execa("docker", ["run", "--rm", "--network=none", "--entrypoint", "cat", nodeImage(), path], {
      encoding: "buffer",
      timeout: 120_000,
    });
    return Buffer.from(run.stdout);
  }

  /** A node root: the image's haproxy.service and binary, a stand-in for the targets, `/bin/kill`, and `dropIn`. */
  async function nodeRoot(name: string, dropIn: string): Promise<string> {
    const dir = join(root, name);
    const put = async (path: string, content: string | Buffer, mode = 0o644) => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content, { mode });
    };
    await put("/usr/lib/systemd/system/haproxy.service", vendorUnit);
    for (const target of ["sysinit", "basic", "shutdown", "network-online", "multi-user"]) {
      await put(`/usr/lib/systemd/system/${target}.target`, `[Unit]\nDescription=stub: ${target}\n`);
    }
    await put("/usr/sbin/haproxy", await fromImage("/usr/sbin/haproxy"), 0o755);
    await mkdir(join(dir, "bin"), { recursive: true });
    await copyFile("/bin/kill", join(dir, "bin", "kill"));
    await put(DROP_IN, dropIn);
    return dir;
  }

  async function verify(dir: string) {
    const run = await execa("systemd-analyze", ["verify", `--root=${dir}`, "--man=no", "--recursive-errors=yes", "haproxy.service"], {
      reject: false,
      timeout: 60_000,
      env: { SYSTEMD_LOG_COLOR: "0", SYSTEMD_PAGER: "" },
    });
    return { exitCode: run.exitCode, findings: `${run.stderr}\n${run.stdout}`.split("\n").filter((l) => l.trim() !== "") };
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "kubelab-render-haproxy-unit-"));
    vendorUnit = (await fromImage("/lib/systemd/system/haproxy.service")).toString("utf8");
  }, 180_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("the image's haproxy.service reads the rendered configuration file", () => {
    expect(vendorUnit).toContain(`CONFIG=${HAPROXY_CONFIG}`);
  });

  it("verifies cleanly", async () => {
    expect(await verify(await nodeRoot("rendered", text(fileAt(lbFiles, DROP_IN))))).toEqual({ exitCode: 0, findings: [] });
  });

  it("would catch a misspelt key in the drop-in (so the drop-in is read)", async () => {
    const broken = text(fileAt(lbFiles, DROP_IN)).replace("RuntimeDirectory=", "RuntimeDirectorry=");
    const verdict = await verify(await nodeRoot("broken", broken));
    expect(verdict.findings.join("\n")).toMatch(/kubelab\.conf:\d+: Unknown key 'RuntimeDirectorry' in section \[Service\]/);
  });
});
