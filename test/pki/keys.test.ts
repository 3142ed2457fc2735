import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { ECDSA_CURVE, generateKey, keyFromPem, RSA_KEY_BITS } from "../../src/pki/keys.js";

/** A private key as PKCS#8 PEM ("PRIVATE KEY"). */
function pkcs8(privateKeyPem: string): string {
  return createPrivateKey(privateKeyPem).export({ type: "pkcs8", format: "pem" }).toString();
}

describe("generateKey", () => {
  it("makes RSA 2048 keys as PKCS#1 PEM, with forge's view for building certificates", async () => {
    const key = await generateKey("rsa");
    expect(key.algorithm).toBe("rsa");
    expect(key.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(key.keyObject.asymmetricKeyDetails?.modulusLength).toBe(RSA_KEY_BITS);
    expect(key.algorithm === "rsa" && key.forgeKey.n.bitLength()).toBe(RSA_KEY_BITS);
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it("makes ECDSA P-256 keys as SEC1 PEM, which openssl reads as prime256v1", async () => {
    const key = await generateKey("ecdsa");
    expect(key.algorithm).toBe("ecdsa");
    expect(key.privateKeyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(key.keyObject.asymmetricKeyDetails?.namedCurve).toBe(ECDSA_CURVE);
    expect((await execa("openssl", ["ec", "-noout", "-text"], { input: key.privateKeyPem })).stdout).toContain(`ASN1 OID: ${ECDSA_CURVE}`);
    expect(`${(await execa("openssl", ["pkey", "-pubout"], { input: key.privateKeyPem })).stdout}\n`).toBe(key.publicKeyPem);
  });
});

describe("keyFromPem", () => {
  it("reads back RSA and ECDSA keys, as PKCS#1 or SEC1 and as PKCS#8, keeping the PEM as given", async () => {
    for (const algorithm of ["rsa", "ecdsa"] as const) {
      const key = await generateKey(algorithm);
      for (const pem of [key.privateKeyPem, pkcs8(key.privateKeyPem)]) {
        const read = keyFromPem(pem);
        expect(read.algorithm).toBe(algorithm);
        expect(read.privateKeyPem).toBe(pem);
        expect(read.publicKeyPem).toBe(key.publicKeyPem);
      }
    }
  });

  it("refuses a key of another kind or curve", () => {
    const ed25519 = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({ type: "sec1", format: "pem" }).toString();
    expect(() => keyFromPem(ed25519)).toThrow("failed to load the key: expected RSA or ECDSA prime256v1, got ed25519");
    expect(() => keyFromPem(p384)).toThrow("failed to load the key: expected RSA or ECDSA prime256v1, got ec secp384r1");
  });
});
