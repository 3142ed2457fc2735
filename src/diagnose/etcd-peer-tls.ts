/**
 * Known cause: etcd members that cannot reach each other over peer TLS. Each member dials the
 * others' peer URLs with its peer certificate and checks theirs against the CA it trusts
 * (--peer-trusted-ca-file); a certificate from another CA, or one without the member's address,
 * splits the cluster and, without a quorum, stops every write.
 */
import type { X509Certificate } from "node:crypto";
import { shellLine } from "../errors.js";
import { certificateParts } from "../pki/certificate-specs.js";
import { ETCD_PEER_PORT, type PlannedNode } from "../plan/plan.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { certPath, keyPath } from "../render/node-layout.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";
import { certificatesIn, ipSans, issuedBy, readNodeFile } from "./node-certificates.js";

/** curl's exit codes for a TLS handshake or certificate that failed (not a refused or timed-out connection). */
const TLS_FAILURES = new Set([35, 51, 53, 54, 56, 58, 59, 60, 77, 80, 83, 90, 91]);

/** etcd members failing each other's peer TLS. */
export const etcdPeerTls: KnownCause = {
  id: "etcd-peer-tls",
  title: "etcd members that cannot reach each other over peer TLS",
  appliesTo: (plan) => plan.etcd.members.length > 1,
  async find(ctx) {
    const parts = certificateParts(ctx.plan);
    const caFile = certPath(parts.etcdCa);
    const members = ctx.plan.nodes.filter((n) => n.etcd);
    const dial = (from: PlannedNode, to: PlannedNode): string[] => [
      "curl", "-sS", "--max-time", "3", "--cacert", caFile, "--cert", certPath(parts.etcdPeer(from.name)), "--key", keyPath(parts.etcdPeer(from.name)),
      `https://${to.ip}:${ETCD_PEER_PORT}/version`,
    ];
    // Every member's own peer certificate and CA, as it holds them.
    const held = await Promise.all(
      members.map(async (node) => ({
        node,
        certificate: certificatesIn((await readNodeFile(ctx, node.name, certPath(parts.etcdPeer(node.name)))) ?? "")[0],
        ca: certificatesIn((await readNodeFile(ctx, node.name, caFile)) ?? "")[0],
      })),
    );
    const failures = (
      await Promise.all(
        members.flatMap((from) =>
          members
            .filter((to) => to !== from)
            .map(async (to) => {
              const r = await exec(ctx, from.name, dial(from, to));
              const error = r.stderr.split("\n").find((line) => line.startsWith("curl:")) ?? lastLines(r.stderr, 2).trim();
              return TLS_FAILURES.has(r.exitCode) ? [{ from, to, error, ran: shellLine(dial(from, to)) }] : [];
            }),
        ),
      )
    ).flat();
    if (!failures.length) return [];
    // Name the certificate at fault where one is: not from the CA the others trust, or without its member's address.
    const trusted = (ca: X509Certificate | undefined, certificate: X509Certificate): boolean => ca !== undefined && issuedBy(certificate, ca);
    const faulty = held.flatMap(({ node, certificate }) => {
      if (!certificate) return [];
      const file = certPath(parts.etcdPeer(node.name));
      const distrusted = held.filter((h) => h.node !== node && !trusted(h.ca, certificate)).map((h) => h.node.name);
      const problems = [
        ...(distrusted.length ? [`it is not issued by the CA ${distrusted.join(", ")} trust${distrusted.length === 1 ? "s" : ""} (${caFile}, --peer-trusted-ca-file); its issuer: ${certificate.issuer.replace(/\n/g, ", ")}`] : []),
        ...(ipSans(certificate).includes(node.ip) ? [] : [`it has no SAN for ${node.ip}, the address of its peer URL`]),
      ];
      const seen = failures.find((f) => f.to === node || f.from === node);
      if (!problems.length || !seen) return [];
      return [
        diagnosisOf(etcdPeerTls, {
          node: node.name,
          found: `etcd on ${node.name} fails peer TLS with the other members: its peer certificate ${file} (--peer-cert-file) is wrong: ${problems.join("; ")}. ${seen.from.name} to ${seen.to.name} saw: ${seen.error}`,
          fix: `reissue ${file} from the etcd CA (${caFile}) with IP:${node.ip} in its subjectAltName (the lab's own: ${ctx.paths.cert(parts.etcdPeer(node.name))}) with its key, then systemctl restart etcd on ${node.name}`,
          ran: seen.ran,
        }),
      ];
    });
    if (faulty.length) return faulty;
    return failures.map((f) =>
      diagnosisOf(etcdPeerTls, {
        node: f.from.name,
        found: `etcd on ${f.from.name} cannot reach ${f.to.name} over peer TLS: ${f.error}`,
        fix: `check etcd's --peer-cert-file, --peer-key-file and --peer-trusted-ca-file on both (the etcd unit), and that both peer certificates come from ${caFile}`,
        ran: f.ran,
      }),
    );
  },
};
