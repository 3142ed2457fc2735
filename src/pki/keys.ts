/**
 * The PKI's keys: RSA 2048 or ECDSA P-256. They always come from Node's native crypto (OpenSSL, run
 * on libuv's threadpool), never from forge's pure-JavaScript generator, which takes seconds per RSA
 * key: a lab's keys are generated concurrently, then certificates are built around them (RSA keys
 * are also handed to forge, which builds their certificates).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";
import type { KeyAlgorithm } from "../config/lab-schema.js";

const generateKeyPairAsync = promisify(generateKeyPair);

/** Modulus length of every RSA key kubelab makes. */
export const RSA_KEY_BITS = 2048;
/** The curve of every ECDSA key kubelab makes (NIST P-256, as OpenSSL names it). */
export const ECDSA_CURVE = "prime256v1";

/** What every key of the PKI has, whatever its algorithm. */
interface KeyForms {
  /** The private key as PEM, as written to `<name>.key`: PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"). */
  readonly privateKeyPem: string;
  /** The public key as SPKI PEM ("PUBLIC KEY"). */
  readonly publicKeyPem: string;
  /** Node's handle on the private key, for native signing. */
  readonly keyObject: KeyObject;
}

/** An RSA key pair in the forms the PKI needs. */
export interface RsaKey extends KeyForms {
  readonly algorithm: "rsa";
  /** forge's view of the private key, for building certificates. */
  readonly forgeKey: forge.pki.rsa.PrivateKey;
}

/** An ECDSA P-256 key pair in the forms the PKI needs. */
export interface EcdsaKey extends KeyForms {
  readonly algorithm: "ecdsa";
}

/** A key of the PKI: RSA or ECDSA. */
export type PkiKey = RsaKey | EcdsaKey;

/** Generates one key of `algorithm` with native crypto, off the main thread; call it once per key, all at once. */
export async function generateKey(algorithm: KeyAlgorithm): Promise<PkiKey> {
  return algorithm === "rsa" ? generateRsaKey() : generateEcdsaKey();
}

/** Generates one RSA key with native crypto, off the main thread. */
export async function generateRsaKey(): Promise<RsaKey> {
  const { privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: RSA_KEY_BITS,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return rsaKey(privateKey, createPrivateKey(privateKey));
}

/**
 * Generates one ECDSA P-256 key with native crypto, off the main thread. Its private key is SEC1
 * PEM ("EC PRIVATE KEY"), which Go's `tls.X509KeyPair` and Kubernetes' key loading read, as
 * etcd, kubelet, kube-apiserver and kube-controller-manager do.
 */
async function generateEcdsaKey(): Promise<EcdsaKey> {
  const { privateKey } = await generateKeyPairAsync("ec", {
    namedCurve: ECDSA_CURVE,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "sec1", format: "pem" },
  });
  return ecdsaKey(privateKey, createPrivateKey(privateKey));
}

/**
 * Loads a private key from PEM: RSA (PKCS#1 or PKCS#8) or ECDSA on P-256 (SEC1 or PKCS#8); throws
 * for any other key.
 */
export function keyFromPem(privateKeyPem: string): PkiKey {
  const keyObject = createPrivateKey(privateKeyPem);
  if (keyObject.asymmetricKeyType === "rsa") return rsaKey(privateKeyPem, keyObject);
  const curve = keyObject.asymmetricKeyDetails?.namedCurve;
  if (keyObject.asymmetricKeyType === "ec" && curve === ECDSA_CURVE) return ecdsaKey(privateKeyPem, keyObject);
  throw new Error(`failed to load the key: expected RSA or ECDSA ${ECDSA_CURVE}, got ${keyObject.asymmetricKeyType}${curve ? ` ${curve}` : ""}`);
}

function rsaKey(privateKeyPem: string, keyObject: KeyObject): RsaKey {
  return { algorithm: "rsa", ...keyForms(privateKeyPem, keyObject), forgeKey: forge.pki.privateKeyFromPem(privateKeyPem) };
}

function ecdsaKey(privateKeyPem: string, keyObject: KeyObject): EcdsaKey {
  return { algorithm: "ecdsa", ...keyForms(privateKeyPem, keyObject) };
}

function keyForms(privateKeyPem: string, keyObject: KeyObject): KeyForms {
  return { privateKeyPem, publicKeyPem: createPublicKey(keyObject).export({ type: "spki", format: "pem" }).toString(), keyObject };
}
