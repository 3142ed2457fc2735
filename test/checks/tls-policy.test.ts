/**
 * The tls-policy check, run unchanged (its own curl commands, through a stand-in provider that runs
 * them on this host) against real TLS servers (`openssl s_server`): one that keeps to
 * labs/hardened-single.yaml's policy (TLS 1.2 at least, ECDHE AEAD suites only) passes; one that
 * accepts TLS 1.1 and any suite fails, naming what it accepted. The probes the policy calls for,
 * and how their output is read: only the server's alert counts as a refusal, never the client
 * giving up by itself.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeOutcome, tlsPolicy, tlsProbes } from "../../src/checks/tls-policy.js";
import type { Plan } from "../../src/plan/plan.js";
import type { LabContext } from "../../src/pipeline/lab-context.js";
import type { ExecResult, Provider } from "../../src/providers/provider.js";
import { certPath } from "../../src/render/node-layout.js";
import { failWhenMissing, missingCommand, skipUnlessAvailable } from "../render/real-tools.js";
import { hardenedSinglePlan } from "../render/lab-fixtures.js";

const plan = hardenedSinglePlan();
const SUITE = "the tls-policy check against real TLS servers";
const missing = [...(await missingCommand("openssl", ["version"])), ...(await missingCommand("curl", ["--version"]))];

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The context of a lab whose every node is this host, its servers at `port`, its CA `ca`. */
function hostContext(p: Plan, port: number, ca: string): LabContext {
  const node = p.nodes[0]!;
  const provider = {
    slowdown: 1,
    async exec(_lab: string, _node: string, argv: string[]): Promise<ExecResult> {
      const mapped = argv.map((a) =>
        a === certPath("ca") ? ca : a.replace(`https://127.0.0.1:${p.api.port}/`, `https://127.0.0.1:${port}/`).replace(`https://${node.ip}:10250/`, `https://127.0.0.1:${port}/`),
      );
      const run = await execa(mapped[0]!, mapped.slice(1), { reject: false, timeout: 30_000 });
      return { exitCode: run.exitCode ?? -1, stdout: String(run.stdout), stderr: String(run.stderr) };
    },
  } as unknown as Provider;
  return { plan: p, provider, emit: () => undefined, signal: new AbortController().signal } as unknown as LabContext;
}

describe("the probes of a policy", () => {
  it("for the hardened lab: TLS 1.1 refused, TLS 1.2 on its suites accepted, on other suites refused", () => {
    expect(tlsProbes(plan).map((p) => [p.label, p.expect, p.options.join(" ")])).toEqual([
      ["TLS 1.1", "refused-version", "--tlsv1.1 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0"],
      [
        "TLS 1.2, the lab's suites",
        "accepted",
        "--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384",
      ],
      [
        "TLS 1.2, other suites",
        "refused-cipher",
        "--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA@SECLEVEL=0",
      ],
    ]);
  });

  it("for a TLS 1.3 minimum: TLS 1.2 refused, TLS 1.3 accepted; for a minimum alone: TLS 1.2 accepted", () => {
    const tls13 = { ...plan, security: { ...plan.security, tlsMinVersion: "VersionTLS13" as const } };
    expect(tlsProbes(tls13).map((p) => [p.label, p.expect])).toEqual([
      ["TLS 1.2", "refused-version"],
      ["TLS 1.3", "accepted"],
    ]);
    const minOnly = { ...plan, security: { ...plan.security, tlsCipherSuites: undefined } };
    expect(tlsProbes(minOnly).map((p) => [p.label, p.expect])).toEqual([
      ["TLS 1.1", "refused-version"],
      ["TLS 1.2", "accepted"],
    ]);
  });

  it("counts only the server's alert as a refusal", () => {
    const [tls11, , others] = tlsProbes(plan);
    expect(probeOutcome(tls11!, 35, "curl: (35) OpenSSL/3.0.19: error:0A00042E:SSL routines::tlsv1 alert protocol version")).toEqual({
      ok: true,
      saw: "TLS 1.1: refused by the server (alert protocol version)",
    });
    // The client giving up by itself proves nothing of the server.
    expect(probeOutcome(tls11!, 35, "curl: (35) OpenSSL/3.0.19: error:0A0000BF:SSL routines::no protocols available")).toEqual({
      ok: false,
      saw: "TLS 1.1: curl: (35) OpenSSL/3.0.19: error:0A0000BF:SSL routines::no protocols available",
    });
    expect(probeOutcome(others!, 35, "tlsv1 alert protocol version").ok).toBe(false);
    expect(probeOutcome(others!, 0, "* SSL connection using TLSv1.2 / AES128-SHA")).toEqual({ ok: false, saw: "TLS 1.2, other suites: accepted (TLSv1.2, AES128-SHA)" });
  });
});

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  const servers: ResultPromise[] = [];
  const ports: Record<"strict" | "lax", number> = { strict: 0, lax: 0 };

  /** Starts `openssl s_server` with `args` on a free port and waits until it accepts connections. */
  async function sServer(args: string[]): Promise<number> {
    const port = await freePort();
    const server = execa("openssl", ["s_server", "-accept", String(port), "-cert", join(dir, "server.crt"), "-key", join(dir, "server.key"), "-www", ...args], { reject: false });
    servers.push(server);
    for (let i = 0; i < 100; i++) {
      const probe = await execa("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-brief"], { input: "", reject: false, timeout: 5000 });
      if (probe.exitCode === 0) return port;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`openssl s_server ${args.join(" ")} did not start`);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-tls-policy-"));
    await execa("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "server.key"), "-out", join(dir, "server.crt")]);
    // As the hardened lab's servers: TLS 1.2 and 1.3 only, its ECDHE AEAD suites for TLS 1.2.
    ports.strict = await sServer(["-no_tls1", "-no_tls1_1", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"]);
    // As a server left with OpenSSL's oldest settings: TLS 1.1 and every suite.
    ports.lax = await sServer(["-cipher", "ALL@SECLEVEL=0"]);
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) server.kill();
    await Promise.all(servers.map((s) => s.catch(() => undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("passes servers that keep to the lab's policy", async () => {
    const [result] = await tlsPolicy.run(hostContext(plan, ports.strict, join(dir, "server.crt")), () => {});
    expect(result!.status, result!.saw).toBe("pass");
    expect(result!.saw).toBe(
      [
        "API server TLS 1.1: refused by the server (alert protocol version)",
        "API server TLS 1.2, the lab's suites: accepted (TLSv1.2, ECDHE-RSA-AES128-GCM-SHA256)",
        "API server TLS 1.2, other suites: refused by the server (alert handshake failure)",
        "kubelet TLS 1.1: refused by the server (alert protocol version)",
        "kubelet TLS 1.2, the lab's suites: accepted (TLSv1.2, ECDHE-RSA-AES128-GCM-SHA256)",
        "kubelet TLS 1.2, other suites: refused by the server (alert handshake failure)",
      ].join("; "),
    );
  });

  it("fails a server that accepts TLS 1.1 and suites the lab does not list, naming them", async () => {
    const [result] = await tlsPolicy.run(hostContext(plan, ports.lax, join(dir, "server.crt")), () => {});
    expect(result!.status).toBe("fail");
    expect(result!.reason).toMatch(/^API server TLS 1\.1: accepted \(TLSv1\.1, \S+\); API server TLS 1\.2, other suites: accepted \(TLSv1\.2, \S+\); kubelet TLS 1\.1: accepted/);
    expect(result!.hint).toContain("--tls-min-version and --tls-cipher-suites");
  });
});
