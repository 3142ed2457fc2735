/**
 * SSH key pairs: an RSA key from native crypto (see `keys.ts`), written the ways SSH wants it. RSA
 * rather than ed25519 because Node writes no OpenSSH-format private key, and OpenSSH and Vagrant's
 * net-ssh both read an RSA key as PKCS#1 PEM.
 */
import forge from "node-forge";
import { generateRsaKey } from "./keys.js";

/** An SSH key pair. */
export interface SshKeyPair {
  /** The private key as PKCS#1 PEM, which `ssh -i` and Vagrant's `config.ssh.private_key_path` read. */
  readonly privateKeyPem: string;
  /** The public key as one line of an authorized_keys file ("ssh-rsa AAAA... comment\n"). */
  readonly authorizedKey: string;
}

/** Generates an SSH key pair whose public key carries `comment`. */
export async function generateSshKeyPair(comment: string): Promise<SshKeyPair> {
  const key = await generateRsaKey();
  const publicKey = forge.pki.publicKeyFromPem(key.publicKeyPem) as forge.pki.rsa.PublicKey;
  return { privateKeyPem: key.privateKeyPem, authorizedKey: `${forge.ssh.publicKeyToOpenSSH(publicKey, comment)}\n` };
}
