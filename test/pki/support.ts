/**
 * What the PKI tests check certificates and keys with: the real openssl.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { expect } from "vitest";
import type { KeyAlgorithm } from "../../src/config/lab-schema.js";
import type { LabPaths } from "../../src/lab-paths.js";
import type { CertificateSpec } from "../../src/pki/certificate-specs.js";

const DAY_MS = 86_400_000;

/** Runs openssl and returns its standard output. */
export async function openssl(args: string[]): Promise<string> {
  return (await execa("openssl", args)).stdout;
}

/** Every file of a lab's PKI directory and its bytes. */
export async function snapshot(paths: LabPaths): Promise<Map<string, Buffer>> {
  const files = (await readdir(paths.pkiDir)).sort();
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(paths.pkiDir, f))] as const)));
}

/** What `openssl x509 -noout -text` says about a certificate. */
export interface Inspected {
  version: string;
  subject: string[];
  issuer: string[];
  signature: string;
  publicKeyAlgorithm: string;
  bits: string;
  /** The curve's OID name (ECDSA keys). */
  curve: string | undefined;
  basicConstraints: { critical: boolean; value: string };
  keyUsage: { critical: boolean; value: string };
  extKeyUsage: string | undefined;
  san: string[];
  hasSki: boolean;
  hasAki: boolean;
  notBefore: Date;
  notAfter: Date;
}

/** Reads a certificate with `openssl x509 -noout -text`. */
export async function inspect(certPath: string): Promise<Inspected> {
  const text = await openssl(["x509", "-noout", "-text", "-in", certPath]);
  const line = (re: RegExp) => text.match(re)?.[1]?.trim();
  const extension = (name: string) => {
    const m = text.match(new RegExp(`X509v3 ${name}:( critical)?\\s*\\n\\s*(.+)`));
    return m ? { critical: m[1] !== undefined, value: m[2]!.trim() } : undefined;
  };
  const rdns = (value: string | undefined) => (value ?? "").split(", ").filter(Boolean);
  return {
    version: line(/Version: (.+)/) ?? "",
    subject: rdns(line(/Subject: (.*)/)),
    issuer: rdns(line(/Issuer: (.*)/)),
    signature: line(/Signature Algorithm: (.+)/) ?? "",
    publicKeyAlgorithm: line(/Public Key Algorithm: (.+)/) ?? "",
    bits: line(/Public-Key: \((\d+) bit\)/) ?? "",
    curve: line(/ASN1 OID: (.+)/),
    basicConstraints: extension("Basic Constraints")!,
    keyUsage: extension("Key Usage")!,
    extKeyUsage: extension("Extended Key Usage")?.value,
    san: (extension("Subject Alternative Name")?.value ?? "").split(", ").filter(Boolean),
    hasSki: text.includes("X509v3 Subject Key Identifier"),
    hasAki: text.includes("X509v3 Authority Key Identifier"),
    notBefore: new Date(line(/Not Before: (.+)/)!),
    notAfter: new Date(line(/Not After : (.+)/)!),
  };
}

/** What a certificate of each key algorithm says about its key and signature. */
const EXPECTED_KEY: Record<KeyAlgorithm, { signature: string; publicKeyAlgorithm: string; bits: string; curve: string | undefined; leafKeyUsage: string; keyPemType: string }> = {
  rsa: {
    signature: "sha256WithRSAEncryption",
    publicKeyAlgorithm: "rsaEncryption",
    bits: "2048",
    curve: undefined,
    leafKeyUsage: "Digital Signature, Key Encipherment",
    keyPemType: "RSA PRIVATE KEY",
  },
  ecdsa: {
    signature: "ecdsa-with-SHA256",
    publicKeyAlgorithm: "id-ecPublicKey",
    bits: "256",
    curve: "prime256v1",
    leafKeyUsage: "Digital Signature",
    keyPemType: "EC PRIVATE KEY",
  },
};

/**
 * Checks one certificate of a lab against its spec with the real openssl: it verifies against its
 * CA for each of its purposes, says what the spec says, holds a key of `algorithm` and is signed
 * with it, and its key file holds the matching private key.
 */
export async function checkWithOpenssl(spec: CertificateSpec, paths: LabPaths, startedAt: number, algorithm: KeyAlgorithm = "rsa"): Promise<void> {
  const cert = paths.cert(spec.name);
  const caFile = paths.cert(spec.issuer === "self" ? spec.name : spec.issuer);
  const purposes = spec.usage.length === 0 ? ["any"] : spec.usage.map((u) => (u === "server" ? "sslserver" : "sslclient"));
  for (const purpose of purposes) {
    const verified = await openssl(["verify", "-x509_strict", "-purpose", purpose, "-CAfile", caFile, cert]);
    expect(verified, `${spec.name} (${purpose})`).toBe(`${cert}: OK`);
  }

  const c = await inspect(cert);
  const what = spec.name;
  const expected = EXPECTED_KEY[algorithm];
  expect(c.version, what).toBe("3 (0x2)");
  expect(c.signature, what).toBe(expected.signature);
  expect(c.publicKeyAlgorithm, what).toBe(expected.publicKeyAlgorithm);
  expect(c.bits, what).toBe(expected.bits);
  expect(c.curve, what).toBe(expected.curve);
  expect(c.subject, what).toEqual([...(spec.organization ?? []).map((o) => `O = ${o}`), `CN = ${spec.commonName}`]);
  if (spec.issuer === "self") expect(c.issuer, what).toEqual(c.subject);
  expect(c.basicConstraints, what).toEqual({ critical: true, value: spec.isCA ? "CA:TRUE" : "CA:FALSE" });
  expect(c.keyUsage, what).toEqual({
    critical: true,
    value: spec.isCA ? "Digital Signature, Certificate Sign, CRL Sign" : expected.leafKeyUsage,
  });
  const eku = [
    ...(spec.usage.includes("server") ? ["TLS Web Server Authentication"] : []),
    ...(spec.usage.includes("client") ? ["TLS Web Client Authentication"] : []),
  ];
  expect(c.extKeyUsage, what).toBe(eku.length > 0 ? eku.join(", ") : undefined);
  expect(c.san.sort(), what).toEqual([...spec.dnsNames.map((d) => `DNS:${d}`), ...spec.ipAddresses.map((ip) => `IP Address:${ip}`)].sort());
  expect(c.hasSki, what).toBe(true);
  expect(c.hasAki, what).toBe(!spec.isCA);

  const notBeforeSlack = (c.notBefore.getTime() - (startedAt - 5 * 60_000)) / 1000;
  expect(c.notBefore.getTime(), what).toBeLessThan(Date.now());
  expect(Math.abs(notBeforeSlack), `${what} notBefore is 5 minutes before issue`).toBeLessThan(30);
  const lifetimeDays = (c.notAfter.getTime() - startedAt) / DAY_MS;
  expect(lifetimeDays, what).toBeCloseTo(spec.isCA ? 3650 : 365, 1);

  const [certPub, keyPub, keyPem] = await Promise.all([
    openssl(["x509", "-noout", "-pubkey", "-in", cert]),
    openssl(["pkey", "-pubout", "-in", paths.key(spec.name)]),
    readFile(paths.key(spec.name), "utf8"),
  ]);
  expect(certPub, `${what}: key matches certificate`).toBe(keyPub);
  expect(keyPem, `${what}: private key PEM`).toMatch(new RegExp(`^-----BEGIN ${expected.keyPemType}-----\n`));
}
