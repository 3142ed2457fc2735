/**
 * A certificate of the lab in human terms: who it names (subject), the names and addresses it is
 * valid for (SANs), who signed it and what it may be used for. Pure: from the certificate specs.
 */
import type { CertificateSpec } from "./certificate-specs.js";

/** One line per aspect: subject, SANs (when any), issuer, usage. */
export function describeCertificate(spec: CertificateSpec, all: readonly CertificateSpec[]): string[] {
  const subject = [`CN=${spec.commonName}`, ...(spec.organization ?? []).map((o) => `O=${o}`)].join(", ");
  const sans = [...spec.dnsNames.map((d) => `DNS:${d}`), ...spec.ipAddresses.map((ip) => `IP:${ip}`)];
  const issuer = all.find((s) => s.name === spec.issuer);
  const usage = spec.isCA
    ? "a certificate authority: signs the certificates issued by it"
    : spec.usage.map((u) => (u === "server" ? "proves a server's identity (TLS server auth)" : "logs a client in (TLS client auth)")).join("; ");
  return [
    `subject: ${subject}`,
    ...(sans.length ? [`valid for: ${sans.join(", ")}`] : []),
    `issued by: ${spec.issuer === "self" ? "itself (self-signed)" : `${spec.issuer} (CN=${issuer?.commonName ?? "?"})`}`,
    `usage: ${usage}`,
  ];
}
