/**
 * Check (labs with a TLS policy): each API server and kubelet is probed with curl (OpenSSL) from
 * its own node. A version below the lab's minimum must be refused by the server (its "protocol
 * version" alert: the client is allowed every version and cipher, so the refusal is the server's);
 * a TLS 1.2 handshake offering only the lab's cipher suites must succeed on one of them; one
 * offering only other suites must be refused (the server's "handshake failure" alert). With a
 * TLS 1.3 minimum, TLS 1.2 is refused and TLS 1.3 accepted.
 */
import { TLS_CIPHER_SUITES, type TlsCipherSuite } from "../config/lab-schema.js";
import { shellLine } from "../errors.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import { exec, scaledTimeout } from "../pipeline/node-commands.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { certPath } from "../render/node-layout.js";
import { KUBELET_PORT } from "./anonymous-auth.js";
import { checkResult, type Check } from "./check.js";

/** OpenSSL's names of the Go cipher suites a lab may list. */
export const OPENSSL_CIPHER_NAMES: Record<TlsCipherSuite, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
};

/** TLS 1.2 suites Go servers accept by default that no lab may list (RSA key exchange: no forward secrecy). */
const RSA_KEY_EXCHANGE = ["AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA"];

/** One probe: curl's TLS options, and what the server must do. */
export interface TlsProbe {
  /** e.g. "TLS 1.1". */
  readonly label: string;
  readonly options: readonly string[];
  readonly expect: "refused-version" | "refused-cipher" | "accepted";
}

/** The probes the lab's policy calls for. */
export function tlsProbes(plan: Plan): TlsProbe[] {
  const { tlsMinVersion, tlsCipherSuites } = plan.security;
  const probes: TlsProbe[] = [];
  // SECLEVEL=0: OpenSSL 3 offers TLS 1.1 and every cipher only then; any refusal is the server's.
  if (tlsMinVersion === "VersionTLS12") probes.push({ label: "TLS 1.1", options: ["--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"], expect: "refused-version" });
  if (tlsMinVersion === "VersionTLS13") {
    probes.push({ label: "TLS 1.2", options: ["--tlsv1.2", "--tls-max", "1.2", "--ciphers", "DEFAULT@SECLEVEL=0"], expect: "refused-version" });
    probes.push({ label: "TLS 1.3", options: ["--tlsv1.3"], expect: "accepted" });
    return probes;
  }
  const tls12 = ["--tlsv1.2", "--tls-max", "1.2"];
  if (!tlsCipherSuites) return [...probes, { label: "TLS 1.2", options: tls12, expect: "accepted" }];
  const listed = tlsCipherSuites.map((s) => OPENSSL_CIPHER_NAMES[s]);
  const others = [...TLS_CIPHER_SUITES.filter((s) => !tlsCipherSuites.includes(s)).map((s) => OPENSSL_CIPHER_NAMES[s]), ...RSA_KEY_EXCHANGE];
  probes.push({ label: "TLS 1.2, the lab's suites", options: [...tls12, "--ciphers", listed.join(":")], expect: "accepted" });
  probes.push({ label: "TLS 1.2, other suites", options: [...tls12, "--ciphers", `${others.join(":")}@SECLEVEL=0`], expect: "refused-cipher" });
  return probes;
}

/** What a probe's curl output says: the server's alert, or the protocol and cipher agreed on. */
export function probeOutcome(probe: TlsProbe, exitCode: number, output: string): { ok: boolean; saw: string } {
  const agreed = output.match(/SSL connection using (\S+) \/ (\S+)/);
  if (exitCode === 0) {
    const saw = agreed ? `${probe.label}: accepted (${agreed[1]}, ${agreed[2]})` : `${probe.label}: accepted`;
    return { ok: probe.expect === "accepted", saw };
  }
  const alert = output.match(/alert (protocol version|handshake failure)/)?.[1];
  const saw = `${probe.label}: ${alert ? `refused by the server (alert ${alert})` : (output.trim().split("\n").filter((l) => l.startsWith("curl:")).at(-1) ?? `curl exited ${exitCode}`)}`;
  if (probe.expect === "refused-version") return { ok: alert === "protocol version", saw };
  if (probe.expect === "refused-cipher") return { ok: alert === "handshake failure", saw };
  return { ok: false, saw };
}

/** The servers a node runs that the policy covers. */
function targets(plan: Plan, node: PlannedNode): { what: string; url: string; unit: string }[] {
  return [
    ...(node.controlPlane ? [{ what: "API server", url: `https://127.0.0.1:${plan.api.port}/version`, unit: "kube-apiserver" }] : []),
    ...(node.kubelet ? [{ what: "kubelet", url: `https://${node.ip}:${KUBELET_PORT}/healthz`, unit: "kubelet" }] : []),
  ];
}

async function probeNode(ctx: LabContext, node: PlannedNode, started: number): Promise<ReturnType<typeof checkResult>> {
  const timeout = String(scaledTimeout(5_000, ctx) / 1000);
  const probes = tlsProbes(ctx.plan);
  const runs = await Promise.all(
    targets(ctx.plan, node).flatMap((target) =>
      probes.map(async (probe) => {
        const argv = ["curl", "-v", "-sS", "-o", "/dev/null", "--max-time", timeout, "--cacert", certPath("ca"), ...probe.options, target.url];
        const r = await exec(ctx, node.name, argv);
        return { target, argv, ...probeOutcome(probe, r.exitCode, `${r.stdout}${r.stderr}`) };
      }),
    ),
  );
  const failed = runs.filter((r) => !r.ok);
  return checkResult(tlsPolicy, started, {
    node: node.name,
    status: failed.length ? "fail" : "pass",
    ran: runs.map((r) => shellLine(r.argv)).join("; "),
    saw: runs.map((r) => `${r.target.what} ${r.saw}`).join("; "),
    ...(failed.length
      ? {
          reason: failed.map((r) => `${r.target.what} ${r.saw}`).join("; "),
          hint: `the servers need the lab's --tls-min-version and --tls-cipher-suites (kubelet: tlsMinVersion, tlsCipherSuites): lab logs ${ctx.plan.labName} ${node.name} ${failed[0]!.target.unit}`,
        }
      : {}),
  });
}

/** The TLS policy on every API server and kubelet. */
export const tlsPolicy: Check = {
  id: "tls-policy",
  title: "servers keep to the lab's TLS policy",
  appliesTo: (plan) => plan.security.tlsMinVersion !== undefined || plan.security.tlsCipherSuites !== undefined,
  async run(ctx) {
    return Promise.all(ctx.plan.nodes.filter((n) => n.controlPlane || n.kubelet).map((node) => probeNode(ctx, node, Date.now())));
  },
};
