/**
 * Issues one X.509 v3 certificate from its spec, for an RSA or an ECDSA key. What a certificate
 * holds is decided here (serial, validity); how it is built and signed depends on the key:
 * `rsa-certificate.ts` (forge builds, native crypto signs SHA-256 RSA) or `ecdsa-certificate.ts`
 * (@peculiar/x509 builds and signs ECDSA SHA-256 on Node's WebCrypto). Both give the same subject,
 * extensions and SANs for the same spec.
 */
import { randomBytes } from "node:crypto";
import type { CertificateSpec } from "./certificate-specs.js";
import type { PkiKey } from "./keys.js";
import { issueRsaCertificate } from "./rsa-certificate.js";

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

/** A CA that can sign: its certificate and its key (of the same algorithm as what it signs). */
export interface SigningCa<K extends PkiKey = PkiKey> {
  /** The CA's certificate, PEM. */
  readonly certPem: string;
  readonly key: K;
}

/** What {@link issueCertificate} decides for a certificate, whatever its key: serial and validity. */
export interface CertificateFrame {
  /** A random positive 128-bit serial, as hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const DAY_MS = 86_400_000;

/**
 * Issues the certificate of `spec` for `key` and returns it as PEM with LF line endings. CAs
 * (`issuer: "self"`) sign themselves and take no `ca`; every other certificate needs the CA its
 * spec names, whose key must be of the same algorithm as `key`.
 */
export async function issueCertificate(
  spec: CertificateSpec,
  key: PkiKey,
  ca: SigningCa | undefined,
  options: ValidityOptions = {},
): Promise<string> {
  if ((spec.issuer === "self") !== (ca === undefined)) {
    throw new Error(`failed to issue ${spec.name}: its issuer is ${spec.issuer} but ${ca ? "a" : "no"} CA was given`);
  }
  const now = options.now ?? new Date();
  const backdateMs = options.backdateMs ?? DEFAULT_VALIDITY.backdateMs;
  const days = spec.isCA
    ? (options.caValidityDays ?? DEFAULT_VALIDITY.caValidityDays)
    : (options.leafValidityDays ?? DEFAULT_VALIDITY.leafValidityDays);
  const frame: CertificateFrame = {
    serialNumber: randomSerial(),
    notBefore: new Date(now.getTime() - backdateMs),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
  if (key.algorithm === "rsa") return issueRsaCertificate(spec, key, sameAlgorithm(spec, ca, key), frame);
  const signer = sameAlgorithm(spec, ca, key);
  // @peculiar/x509 takes a tenth of a second or more to load: only labs with ECDSA keys load it.
  const { issueEcdsaCertificate } = await import("./ecdsa-certificate.js");
  return issueEcdsaCertificate(spec, key, signer, frame);
}

/** `ca`, when its key is of the algorithm of `key`: a CA signs only certificates of its own kind of key. */
function sameAlgorithm<K extends PkiKey>(spec: CertificateSpec, ca: SigningCa | undefined, key: K): SigningCa<K> | undefined {
  if (ca === undefined) return undefined;
  if (signsFor(ca, key)) return ca;
  throw new Error(`failed to issue ${spec.name}: its key is ${key.algorithm} but its CA's is ${ca.key.algorithm}`);
}

function signsFor<K extends PkiKey>(ca: SigningCa, key: K): ca is SigningCa<K> {
  return ca.key.algorithm === key.algorithm;
}

/** A random positive 128-bit serial, as hex, with a non-zero first byte (minimal DER INTEGER). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return bytes.toString("hex");
}
