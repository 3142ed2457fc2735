/**
 * Certificates for RSA keys. forge builds the certificate (subject, validity, extensions, DER); the
 * SHA-256 RSA signature over it is computed by Node's native crypto through a forge-shaped signer,
 * as forge's pure-JavaScript RSA takes tens of milliseconds per signature.
 */
import { constants, privateEncrypt } from "node:crypto";
import forge from "node-forge";
import type { CertificateSpec } from "./certificate-specs.js";
import type { CertificateFrame, SigningCa } from "./issue-certificate.js";
import type { RsaKey } from "./keys.js";

/** DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from("3031300d060960864801650304020105000420", "hex");

/**
 * The certificate of `spec` for the RSA `key`, signed sha256WithRSAEncryption by `ca` (by `key`
 * itself for a CA), as PEM with LF line endings.
 */
export function issueRsaCertificate(spec: CertificateSpec, key: RsaKey, ca: SigningCa<RsaKey> | undefined, frame: CertificateFrame): string {
  const caCertificate = ca ? forge.pki.certificateFromPem(ca.certPem) : undefined;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.forgeKey.n, key.forgeKey.e);
  cert.serialNumber = frame.serialNumber;
  cert.validity.notBefore = frame.notBefore;
  cert.validity.notAfter = frame.notAfter;
  const subject = subjectAttributes(spec);
  cert.setSubject(subject);
  cert.setIssuer(caCertificate ? caCertificate.subject.attributes : subject);
  cert.setExtensions(extensions(spec, caCertificate));
  cert.sign(nativeSigner(ca ? ca.key : key), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n");
}

function subjectAttributes(spec: CertificateSpec): forge.pki.CertificateField[] {
  return [
    ...(spec.organization ?? []).map((value) => ({ shortName: "O", value })),
    { shortName: "CN", value: spec.commonName },
  ];
}

/** forge's extension objects (forge types them as `any[]`). */
type Extension = { name: string } & Record<string, unknown>;

function extensions(spec: CertificateSpec, caCertificate: forge.pki.Certificate | undefined): Extension[] {
  const isCA = spec.isCA === true;
  const altNames = [
    ...spec.dnsNames.map((value) => ({ type: 2, value })),
    ...spec.ipAddresses.map((ip) => ({ type: 7, ip })),
  ];
  return [
    { name: "basicConstraints", critical: true, cA: isCA },
    isCA
      ? { name: "keyUsage", critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true }
      : { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    ...(spec.usage.length > 0
      ? [{ name: "extKeyUsage", serverAuth: spec.usage.includes("server"), clientAuth: spec.usage.includes("client") }]
      : []),
    ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
    { name: "subjectKeyIdentifier" },
    // Our CAs' subjectKeyIdentifier is forge's, computed the same way from their public key.
    ...(caCertificate ? [{ name: "authorityKeyIdentifier", keyIdentifier: caCertificate.generateSubjectKeyIdentifier().getBytes() }] : []),
  ];
}

/** A forge private key whose RSASSA-PKCS1-v1_5 signature is computed by native crypto. */
function nativeSigner(key: RsaKey): forge.pki.rsa.PrivateKey {
  return {
    ...key.forgeKey,
    sign(md) {
      if (typeof md === "string" || md.algorithm !== "sha256") throw new Error("failed to sign: only SHA-256 digests are supported");
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, Buffer.from(md.digest().getBytes(), "binary")]);
      return privateEncrypt({ key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString("binary");
    },
  };
}
