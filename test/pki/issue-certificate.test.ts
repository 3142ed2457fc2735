import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { CertificateSpec } from "../../src/pki/certificate-specs.js";
import { DEFAULT_VALIDITY, issueCertificate, type SigningCa } from "../../src/pki/issue-certificate.js";
import { generateRsaKey, type RsaKey } from "../../src/pki/keys.js";

const caSpec: CertificateSpec = {
  kind: "certificate",
  name: "ca",
  issuer: "self",
  commonName: "kubernetes-ca",
  dnsNames: [],
  ipAddresses: [],
  usage: [],
  isCA: true,
};
const leafSpec: CertificateSpec = {
  kind: "certificate",
  name: "kubelet-node1",
  issuer: "ca",
  commonName: "system:node:node1",
  organization: ["system:nodes"],
  dnsNames: ["node1"],
  ipAddresses: ["172.30.0.10"],
  usage: ["server", "client"],
};
const DAY_MS = 86_400_000;

describe("issueCertificate", () => {
  let caKey: RsaKey;
  let leafKey: RsaKey;
  let ca: SigningCa;

  beforeAll(async () => {
    [caKey, leafKey] = await Promise.all([generateRsaKey(), generateRsaKey()]);
    ca = { certificate: issueCertificate(caSpec, caKey, undefined).certificate, key: caKey };
  });

  it("backdates notBefore by 5 minutes and lasts 10 years for a CA, 1 year for a leaf", () => {
    const now = new Date("2030-06-01T12:00:00Z");
    const caCert = issueCertificate(caSpec, caKey, undefined, { now }).certificate;
    const leaf = issueCertificate(leafSpec, leafKey, ca, { now }).certificate;
    expect(DEFAULT_VALIDITY).toEqual({ backdateMs: 300_000, caValidityDays: 3650, leafValidityDays: 365 });
    expect(caCert.validity.notBefore.toISOString()).toBe("2030-06-01T11:55:00.000Z");
    expect(caCert.validity.notAfter.getTime()).toBe(now.getTime() + 3650 * DAY_MS);
    expect(leaf.validity.notBefore.toISOString()).toBe("2030-06-01T11:55:00.000Z");
    expect(leaf.validity.notAfter.getTime()).toBe(now.getTime() + 365 * DAY_MS);
  });

  it("takes the validity from its options", () => {
    const now = new Date("2030-06-01T12:00:00Z");
    const options = { now, backdateMs: 60_000, caValidityDays: 100, leafValidityDays: 7 };
    const caCert = issueCertificate(caSpec, caKey, undefined, options).certificate;
    const leaf = issueCertificate(leafSpec, leafKey, ca, options).certificate;
    expect(caCert.validity.notBefore.toISOString()).toBe("2030-06-01T11:59:00.000Z");
    expect(caCert.validity.notAfter.getTime()).toBe(now.getTime() + 100 * DAY_MS);
    expect(leaf.validity.notAfter.getTime()).toBe(now.getTime() + 7 * DAY_MS);
  });

  it("uses random positive 16-byte serials", () => {
    const serials = Array.from({ length: 64 }, () => issueCertificate(leafSpec, leafKey, ca).certificate.serialNumber);
    expect(new Set(serials).size).toBe(serials.length);
    for (const serial of serials) {
      expect(serial).toMatch(/^[0-9a-f]{32}$/);
      const first = Number.parseInt(serial.slice(0, 2), 16);
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(0x80);
    }
  });

  it("signs with SHA-256 RSA under the CA's key, with LF line endings", () => {
    const { certPem } = issueCertificate(leafSpec, leafKey, ca);
    expect(certPem).not.toContain("\r");
    expect(certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    const leaf = new X509Certificate(certPem);
    const caCert = new X509Certificate(issueCertificate(caSpec, caKey, undefined).certPem);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.checkPrivateKey(leafKey.keyObject)).toBe(true);
    expect(leaf.toLegacyObject().ext_key_usage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(leaf.subjectAltName).toBe("DNS:node1, IP Address:172.30.0.10");
  });

  it("refuses a leaf without its CA and a CA with one", () => {
    expect(() => issueCertificate(leafSpec, leafKey, undefined)).toThrow(/failed to issue kubelet-node1/);
    expect(() => issueCertificate(caSpec, caKey, ca)).toThrow(/failed to issue ca/);
  });
});
