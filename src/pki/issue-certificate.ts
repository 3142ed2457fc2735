/**
 * Issues one X.509 v3 certificate from its spec. forge builds the certificate (subject, validity,
 * extensions, DER); the SHA-256 RSA signature over it is computed by Node's native crypto through a
 * forge-shaped signer, as forge's pure-JavaScript RSA takes tens of milliseconds per signature.
 */
import { constants, privateEncrypt, randomBytes } from "node:crypto";
import forge from "node-forge";
import type { CertificateSpec } from "./certificate-specs.js";
import type { RsaKey } from "./keys.js";

/** How long certificates are valid, and from when. */
export interface ValidityOptions {
  /** The time of issue (default: now). */
  now?: Date;
  /** How far notBefore is set back from `now`, for clock skew between nodes (ms). */
  backdateMs?: number;
  /** Lifetime of the CAs, from `now` (days). */
  caValidityDays?: number;
  /** Lifetime of every other certificate, from `now` (days). */
  leafValidityDays?: number;
}

/** The validity used when {@link ValidityOptions} leaves a field out. */
export const DEFAULT_VALIDITY: Required<Omit<ValidityOptions, "now">> = {
  backdateMs: 5 * 60_000,
  caValidityDays: 3650,
  leafValidityDays: 365,
};

/** A CA that can sign: its certificate and its key. */
export interface SigningCa {
  readonly certificate: forge.pki.Certificate;
  readonly key: RsaKey;
}

/** A freshly issued certificate. */
export interface IssuedCertificate {
  readonly certificate: forge.pki.Certificate;
  /** PEM with LF line endings. */
  readonly certPem: string;
}

const DAY_MS = 86_400_000;
/** DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from("3031300d060960864801650304020105000420", "hex");

/**
 * Issues the certificate of `spec` for `key`. CAs (`issuer: "self"`) sign themselves and take no
 * `ca`; every other certificate needs the CA its spec names.
 */
export function issueCertificate(
  spec: CertificateSpec,
  key: RsaKey,
  ca: SigningCa | undefined,
  options: ValidityOptions = {},
): IssuedCertificate {
  if ((spec.issuer === "self") !== (ca === undefined)) {
    throw new Error(`failed to issue ${spec.name}: its issuer is ${spec.issuer} but ${ca ? "a" : "no"} CA was given`);
  }
  const now = options.now ?? new Date();
  const backdateMs = options.backdateMs ?? DEFAULT_VALIDITY.backdateMs;
  const days = spec.isCA
    ? (options.caValidityDays ?? DEFAULT_VALIDITY.caValidityDays)
    : (options.leafValidityDays ?? DEFAULT_VALIDITY.leafValidityDays);

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.forgeKey.n, key.forgeKey.e);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(now.getTime() - backdateMs);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  const subject = subjectAttributes(spec);
  cert.setSubject(subject);
  cert.setIssuer(ca ? ca.certificate.subject.attributes : subject);
  cert.setExtensions(extensions(spec, ca));
  cert.sign(nativeSigner(ca ? ca.key : key), forge.md.sha256.create());
  return { certificate: cert, certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n") };
}

/** A random positive 128-bit serial, as hex, with a non-zero first byte (minimal DER INTEGER). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return bytes.toString("hex");
}

function subjectAttributes(spec: CertificateSpec): forge.pki.CertificateField[] {
  return [
    ...(spec.organization ?? []).map((value) => ({ shortName: "O", value })),
    { shortName: "CN", value: spec.commonName },
  ];
}

/** forge's extension objects (forge types them as `any[]`). */
type Extension = { name: string } & Record<string, unknown>;

function extensions(spec: CertificateSpec, ca: SigningCa | undefined): Extension[] {
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
    ...(ca ? [{ name: "authorityKeyIdentifier", keyIdentifier: ca.certificate.generateSubjectKeyIdentifier().getBytes() }] : []),
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
