/**
 * SSH key pairs, checked by OpenSSH itself: ssh-keygen reads the private key, derives the same
 * public key as the authorized_keys line, and reads that line as an RSA key.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSshKeyPair, type SshKeyPair } from "../../src/pki/ssh-key.js";

describe("generateSshKeyPair", () => {
  let dir: string;
  let pair: SshKeyPair;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-ssh-key-"));
    pair = await generateSshKeyPair("vagrant@kubelab/node-test");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one authorized_keys line with the comment", () => {
    expect(pair.authorizedKey).toMatch(/^ssh-rsa AAAA[A-Za-z0-9+/=]+ vagrant@kubelab\/node-test\n$/);
  });

  it("makes a private key OpenSSH reads, whose public half is the authorized_keys line", async () => {
    const key = join(dir, "id_rsa");
    await writeFile(key, pair.privateKeyPem, { mode: 0o600 });
    const derived = await execa("ssh-keygen", ["-y", "-f", key]);
    expect(derived.stdout.split(" ").slice(0, 2)).toEqual(pair.authorizedKey.split(" ").slice(0, 2));
  });

  it("makes a 2048-bit RSA public key", async () => {
    const pub = join(dir, "id_rsa.pub");
    await writeFile(pub, pair.authorizedKey);
    const fingerprint = await execa("ssh-keygen", ["-l", "-f", pub]);
    expect(fingerprint.stdout).toMatch(/^2048 SHA256:\S+ vagrant@kubelab\/node-test \(RSA\)$/);
  });

  it("makes a new key each time", async () => {
    expect((await generateSshKeyPair("x")).authorizedKey).not.toBe((await generateSshKeyPair("x")).authorizedKey);
  });
});
