/**
 * The lab's secrets in its state directory: made only when the plan needs them, in form (a
 * bootstrap token of 6 and 16 characters of [a-z0-9], 32 random bytes of key), 0600 in a 0700
 * folder, kept across runs (a new encryption key would leave every stored Secret unreadable), and a
 * damaged file refused with a hint rather than silently replaced.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { LabPaths } from "../../src/lab-paths.js";
import { ensureLabSecrets, readLabSecrets } from "../../src/secrets/lab-secrets.js";
import { coreosSystemdPlan, hardenedSinglePlan } from "../render/lab-fixtures.js";

let home: string;
let count = 0;
const freshPaths = (): LabPaths => new LabPaths(`secrets-${++count}`, { KUBELAB_HOME: home });
const mode = async (path: string): Promise<string> => ((await stat(path)).mode & 0o777).toString(8);

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "kubelab-secrets-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("ensureLabSecrets", () => {
  it("makes nothing for a lab whose hardening needs no secret", async () => {
    const paths = freshPaths();
    expect(await ensureLabSecrets(coreosSystemdPlan(), paths)).toEqual({});
    await expect(stat(paths.secretsDir)).rejects.toThrow();
  });

  it("makes a bootstrap token and an encryption key, 0600 in a 0700 folder, and keeps them", async () => {
    const paths = freshPaths();
    const made = await ensureLabSecrets(hardenedSinglePlan(), paths);
    expect(made.bootstrapToken?.id).toMatch(/^[a-z0-9]{6}$/);
    expect(made.bootstrapToken?.secret).toMatch(/^[a-z0-9]{16}$/);
    expect(Buffer.from(made.encryptionKey!, "base64")).toHaveLength(32);
    expect(await mode(paths.secretsDir)).toBe("700");
    expect(await mode(join(paths.secretsDir, "bootstrap-token"))).toBe("600");
    expect(await mode(join(paths.secretsDir, "encryption-key"))).toBe("600");
    expect((await readFile(join(paths.secretsDir, "bootstrap-token"), "utf8")).trim()).toBe(`${made.bootstrapToken!.id}.${made.bootstrapToken!.secret}`);
    // A rerun, and a reader, see the same.
    expect(await ensureLabSecrets(hardenedSinglePlan(), paths)).toEqual(made);
    expect(await readLabSecrets(paths)).toEqual(made);
    // Another lab gets its own.
    expect((await ensureLabSecrets(hardenedSinglePlan(), freshPaths())).encryptionKey).not.toBe(made.encryptionKey);
  });

  it("hands a lab only the secrets its plan needs, keeping the others on disk", async () => {
    const paths = freshPaths();
    const hardened = hardenedSinglePlan();
    const all = await ensureLabSecrets(hardened, paths);
    const tokenOnly = { ...hardened, security: { ...hardened.security, encryptionAtRest: "none" as const } };
    expect(await ensureLabSecrets(tokenOnly, paths)).toEqual({ bootstrapToken: all.bootstrapToken });
    // Turned on again, encryption finds its old key.
    expect(await ensureLabSecrets(hardened, paths)).toEqual(all);
  });

  it("refuses a damaged key or token with a hint instead of replacing it", async () => {
    const paths = freshPaths();
    await ensureLabSecrets(hardenedSinglePlan(), paths);
    await writeFile(join(paths.secretsDir, "encryption-key"), "c2hvcnQ=\n");
    const error = await ensureLabSecrets(hardenedSinglePlan(), paths).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/^failed to read the encryption key in .*encryption-key: it is not 32 bytes in base64$/);
    expect((error as UserError).hint).toMatch(/Secrets stored with another key cannot be read/);
    await writeFile(join(paths.secretsDir, "encryption-key"), `${Buffer.alloc(32, 1).toString("base64")}\n`);
    await writeFile(join(paths.secretsDir, "bootstrap-token"), "ABCDEF.0123456789abcdef\n");
    await expect(readLabSecrets(paths)).rejects.toThrow(/failed to read the bootstrap token in .*: it is not <6 characters>\.<16 characters> of \[a-z0-9\]/);
  });
});
