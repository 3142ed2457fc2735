import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { KEY_ALGORITHMS } from "../../src/config/lab-schema.js";
import type { CertificateSpec } from "../../src/pki/certificate-specs.js";
import { DEFAULT_VALIDITY, issueCertificate, type SigningCa } from "../../src/pki/issue-certificate.js";
import { generateKey, keyFromPem, type PkiKey } from "../../src/pki/keys.js";

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

/** notBefore and notAfter of a certificate. */
function validity(certPem: string): { notBefore: Date; notAfter: Date } {
  const cert = new X509Certificate(certPem);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

for (const algorithm of KEY_ALGORITHMS) {
  describe(`issueCertificate for ${algorithm} keys`, () => {
    let caKey: PkiKey;
    let leafKey: PkiKey;
    let ca: SigningCa;

    beforeAll(async () => {
      [caKey, leafKey] = await Promise.all([generateKey(algorithm), generateKey(algorithm)]);
      ca = { certPem: await issueCertificate(caSpec, caKey, undefined), key: caKey };
    });

    it("backdates notBefore by 5 minutes and lasts 10 years for a CA, 1 year for a leaf", async () => {
      const now = new Date("2030-06-01T12:00:00Z");
      const caCert = validity(await issueCertificate(caSpec, caKey, undefined, { now }));
      const leaf = validity(await issueCertificate(leafSpec, leafKey, ca, { now }));
      expect(DEFAULT_VALIDITY).toEqual({ backdateMs: 300_000, caValidityDays: 3650, leafValidityDays: 365 });
      expect(caCert.notBefore.toISOString()).toBe("2030-06-01T11:55:00.000Z");
      expect(caCert.notAfter.getTime()).toBe(now.getTime() + 3650 * DAY_MS);
      expect(leaf.notBefore.toISOString()).toBe("2030-06-01T11:55:00.000Z");
      expect(leaf.notAfter.getTime()).toBe(now.getTime() + 365 * DAY_MS);
    });

    it("takes the validity from its options", async () => {
      const now = new Date("2030-06-01T12:00:00Z");
      const options = { now, backdateMs: 60_000, caValidityDays: 100, leafValidityDays: 7 };
      const caCert = validity(await issueCertificate(caSpec, caKey, undefined, options));
      const leaf = validity(await issueCertificate(leafSpec, leafKey, ca, options));
      expect(caCert.notBefore.toISOString()).toBe("2030-06-01T11:59:00.000Z");
      expect(caCert.notAfter.getTime()).toBe(now.getTime() + 100 * DAY_MS);
      expect(leaf.notAfter.getTime()).toBe(now.getTime() + 7 * DAY_MS);
    });

    it("uses random positive 16-byte serials", async () => {
      const pems = await Promise.all(Array.from({ length: 64 }, () => issueCertificate(leafSpec, leafKey, ca)));
      const serials = pems.map((pem) => new X509Certificate(pem).serialNumber.toLowerCase());
      expect(new Set(serials).size).toBe(serials.length);
      for (const serial of serials) {
        expect(serial).toMatch(/^[0-9a-f]{32}$/);
        const first = Number.parseInt(serial.slice(0, 2), 16);
        expect(first).toBeGreaterThan(0);
        expect(first).toBeLessThan(0x80);
      }
    });

    it(`signs with the CA's ${algorithm} key, with LF line endings`, async () => {
      const certPem = await issueCertificate(leafSpec, leafKey, ca);
      expect(certPem).not.toContain("\r");
      expect(certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
      const leaf = new X509Certificate(certPem);
      const caCert = new X509Certificate(ca.certPem);
      expect(leaf.publicKey.asymmetricKeyType).toBe(algorithm === "rsa" ? "rsa" : "ec");
      expect(leaf.verify(caCert.publicKey)).toBe(true);
      expect(leaf.checkIssued(caCert)).toBe(true);
      expect(leaf.checkPrivateKey(leafKey.keyObject)).toBe(true);
      expect(leaf.toLegacyObject().ext_key_usage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
      expect(leaf.subjectAltName).toBe("DNS:node1, IP Address:172.30.0.10");
      expect(leaf.subject).toBe("O=system:nodes\nCN=system:node:node1");
      expect(leaf.issuer).toBe("CN=kubernetes-ca");
    });

    it("issues again from keys read back from their PEM, as the expired-cert drill does", async () => {
      const twoDaysAgo = new Date(Date.now() - 2 * DAY_MS);
      const fromDisk = { certPem: ca.certPem, key: keyFromPem(caKey.privateKeyPem) };
      const certPem = await issueCertificate(leafSpec, keyFromPem(leafKey.privateKeyPem), fromDisk, { now: twoDaysAgo, leafValidityDays: 1 });
      const leaf = new X509Certificate(certPem);
      expect(leaf.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
      expect(leaf.checkPrivateKey(leafKey.keyObject)).toBe(true);
      expect(new Date(leaf.validTo).getTime()).toBeLessThan(Date.now());
    });

    it("refuses a leaf without its CA and a CA with one", async () => {
      await expect(issueCertificate(leafSpec, leafKey, undefined)).rejects.toThrow(/failed to issue kubelet-node1/);
      await expect(issueCertificate(caSpec, caKey, ca)).rejects.toThrow(/failed to issue ca/);
    });
  });
}

describe("issueCertificate across algorithms", () => {
  it("refuses a CA whose key is of another algorithm than the certificate's", async () => {
    const [rsaKey, ecdsaKey] = await Promise.all([generateKey("rsa"), generateKey("ecdsa")]);
    const rsaCa = { certPem: await issueCertificate(caSpec, rsaKey, undefined), key: rsaKey };
    const ecdsaCa = { certPem: await issueCertificate(caSpec, ecdsaKey, undefined), key: ecdsaKey };
    await expect(issueCertificate(leafSpec, ecdsaKey, rsaCa)).rejects.toThrow("failed to issue kubelet-node1: its key is ecdsa but its CA's is rsa");
    await expect(issueCertificate(leafSpec, rsaKey, ecdsaCa)).rejects.toThrow("failed to issue kubelet-node1: its key is rsa but its CA's is ecdsa");
  });
});
