/**
 * Certificates for ECDSA P-256 keys, which forge cannot put in a certificate: @peculiar/x509 builds
 * the certificate and signs it ecdsa-with-SHA256 on Node's WebCrypto (native OpenSSL). Subject,
 * extensions and SANs are those of `rsa-certificate.ts` for the same spec, but for the key usage of
 * a leaf: digitalSignature alone, as an ECDSA key signs the TLS handshake and enciphers no key.
 */
// @peculiar/x509 resolves its parts through tsyringe, which needs a Reflect metadata polyfill
// loaded before it.
import "reflect-metadata";
import { createPublicKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { CertificateSpec } from "./certificate-specs.js";
import type { CertificateFrame, SigningCa } from "./issue-certificate.js";
import type { EcdsaKey } from "./keys.js";

/** The key's WebCrypto algorithm: ECDSA on P-256, OpenSSL's prime256v1. */
const P256 = { name: "ECDSA", namedCurve: "P-256" };
/** The signature: ecdsa-with-SHA256. */
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" };

/**
 * The certificate of `spec` for the ECDSA `key`, signed ecdsa-with-SHA256 by `ca` (by `key` itself
 * for a CA), as PEM with LF line endings.
 */
export async function issueEcdsaCertificate(
  spec: CertificateSpec,
  key: EcdsaKey,
  ca: SigningCa<EcdsaKey> | undefined,
  frame: CertificateFrame,
): Promise<string> {
  const caCertificate = ca ? new x509.X509Certificate(ca.certPem) : undefined;
  const publicKey = createPublicKey(key.keyObject).export({ type: "spki", format: "der" });
  const [signingKey, exts] = await Promise.all([
    webcrypto.subtle.importKey("pkcs8", (ca?.key ?? key).keyObject.export({ type: "pkcs8", format: "der" }), P256, false, ["sign"]),
    extensions(spec, publicKey, caCertificate),
  ]);
  const subject = new x509.Name(subjectName(spec));
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: frame.serialNumber,
      subject,
      // The CA's subject as it is encoded in its certificate: verifiers match names byte for byte.
      issuer: caCertificate ? caCertificate.subjectName : subject,
      notBefore: frame.notBefore,
      notAfter: frame.notAfter,
      publicKey,
      signingKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions: exts,
    },
    webcrypto,
  );
  return `${certificate.toString("pem").replace(/\r\n/g, "\n").trimEnd()}\n`;
}

/** O entries then CN, each its own RDN and a UTF8String, as forge writes them for RSA certificates. */
function subjectName(spec: CertificateSpec): x509.JsonNameParams {
  return [
    ...(spec.organization ?? []).map((value) => ({ O: [{ utf8String: value }] })),
    { CN: [{ utf8String: spec.commonName }] },
  ];
}

async function extensions(spec: CertificateSpec, publicKey: Buffer, caCertificate: x509.X509Certificate | undefined): Promise<x509.Extension[]> {
  const isCA = spec.isCA === true;
  const usages = isCA
    ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.digitalSignature;
  const extendedUsages = [
    ...(spec.usage.includes("server") ? [x509.ExtendedKeyUsage.serverAuth] : []),
    ...(spec.usage.includes("client") ? [x509.ExtendedKeyUsage.clientAuth] : []),
  ];
  const altNames: x509.JsonGeneralNames = [
    ...spec.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...spec.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  return [
    new x509.BasicConstraintsExtension(isCA, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    ...(extendedUsages.length > 0 ? [new x509.ExtendedKeyUsageExtension(extendedUsages)] : []),
    ...(altNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(altNames)] : []),
    await x509.SubjectKeyIdentifierExtension.create(publicKey, false, webcrypto),
    ...(caCertificate ? [new x509.AuthorityKeyIdentifierExtension(caKeyIdentifier(spec, caCertificate))] : []),
  ];
}

/** The CA's subjectKeyIdentifier (every CA of a lab has one), for the authorityKeyIdentifier of what it issues. */
function caKeyIdentifier(spec: CertificateSpec, caCertificate: x509.X509Certificate): string {
  const keyId = caCertificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (keyId === undefined) throw new Error(`failed to issue ${spec.name}: its CA's certificate has no subject key identifier`);
  return keyId;
}
