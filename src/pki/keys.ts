/**
 * RSA keys. They always come from Node's native crypto (OpenSSL, run on libuv's threadpool), never
 * from forge's pure-JavaScript generator, which takes seconds per key: a lab's keys are generated
 * concurrently and are then handed to forge, which only builds the certificates.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";

const generateKeyPairAsync = promisify(generateKeyPair);

/** Modulus length of every key kubelab makes. */
export const RSA_KEY_BITS = 2048;

/** An RSA key pair in the forms the PKI needs. */
export interface RsaKey {
  /** The private key as PKCS#1 PEM ("RSA PRIVATE KEY"), as written to `<name>.key`. */
  readonly privateKeyPem: string;
  /** The public key as SPKI PEM ("PUBLIC KEY"). */
  readonly publicKeyPem: string;
  /** Node's handle on the private key, for native signing. */
  readonly keyObject: KeyObject;
  /** forge's view of the private key, for building certificates. */
  readonly forgeKey: forge.pki.rsa.PrivateKey;
}

/** Generates one RSA key with native crypto, off the main thread; call it once per key, all at once. */
export async function generateRsaKey(): Promise<RsaKey> {
  const { privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: RSA_KEY_BITS,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return rsaKeyFromPem(privateKey);
}

/** Loads an RSA private key from PEM (PKCS#1 or PKCS#8); throws when it is not one. */
export function rsaKeyFromPem(privateKeyPem: string): RsaKey {
  const keyObject = createPrivateKey(privateKeyPem);
  if (keyObject.asymmetricKeyType !== "rsa") throw new Error(`failed to load the key: expected RSA, got ${keyObject.asymmetricKeyType}`);
  const publicKeyPem = createPublicKey(keyObject).export({ type: "spki", format: "pem" }).toString();
  return { privateKeyPem, publicKeyPem, keyObject, forgeKey: forge.pki.privateKeyFromPem(privateKeyPem) };
}
