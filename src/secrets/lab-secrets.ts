/**
 * The lab's secrets that are not certificates: the kubelets' bootstrap token (TLS bootstrapping) and
 * the key Secrets are encrypted with at rest. Made the first time a plan needs them and kept in the
 * lab's state (`secrets/`, 0700, each file 0600) for the lab's life: a new encryption key would leave
 * every Secret stored with the old one unreadable.
 */
import { randomBytes, randomInt } from "node:crypto";
import { chmod, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-write.js";
import { UserError } from "../errors.js";
import type { LabPaths } from "../lab-paths.js";
import type { Plan } from "../plan/plan.js";
import type { BootstrapToken } from "../render/tls-bootstrap.js";

/** The secrets a lab has (each only when its plan needs it). */
export interface LabSecrets {
  /** The kubelets' bootstrap token. */
  readonly bootstrapToken?: BootstrapToken;
  /** The aescbc key, 32 random bytes in base64. */
  readonly encryptionKey?: string;
}

/** The files of the state's secrets folder. */
const FILES = { bootstrapToken: "bootstrap-token", encryptionKey: "encryption-key" } as const;

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const KEY = /^[A-Za-z0-9+/]{43}=$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomString(length: number): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
}

/** The path of one secret in the state. */
function secretFile(paths: LabPaths, name: keyof typeof FILES): string {
  return join(paths.secretsDir, FILES[name]);
}

/** One secret's text, or undefined when it is not there. */
async function readSecret(paths: LabPaths, name: keyof typeof FILES): Promise<string | undefined> {
  try {
    return (await readFile(secretFile(paths, name), "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseToken(text: string, file: string): BootstrapToken {
  const m = TOKEN.exec(text);
  if (!m) throw new UserError(`failed to read the bootstrap token in ${file}: it is not <6 characters>.<16 characters> of [a-z0-9]`, { hint: "remove the file: the next lab up makes a new token" });
  return { id: m[1]!, secret: m[2]! };
}

function parseKey(text: string, file: string): string {
  if (!KEY.test(text)) {
    throw new UserError(`failed to read the encryption key in ${file}: it is not 32 bytes in base64`, {
      hint: "put the key back as it was: Secrets stored with another key cannot be read (lab down and up again makes a new lab)",
    });
  }
  return text;
}

/** The secrets kept in the lab's state (none when there are none). */
export async function readLabSecrets(paths: LabPaths): Promise<LabSecrets> {
  const [token, key] = await Promise.all([readSecret(paths, "bootstrapToken"), readSecret(paths, "encryptionKey")]);
  return {
    ...(token !== undefined ? { bootstrapToken: parseToken(token, secretFile(paths, "bootstrapToken")) } : {}),
    ...(key !== undefined ? { encryptionKey: parseKey(key, secretFile(paths, "encryptionKey")) } : {}),
  };
}

/** Makes the secrets the plan needs that the state does not hold yet, and returns those the plan needs. */
export async function ensureLabSecrets(plan: Plan, paths: LabPaths): Promise<LabSecrets> {
  const token = plan.security.kubeletBootstrap === "token";
  const encryption = plan.security.encryptionAtRest === "aescbc";
  if (!token && !encryption) return {};
  await mkdir(paths.secretsDir, { recursive: true, mode: 0o700 });
  await chmod(paths.secretsDir, 0o700);
  const kept = await readLabSecrets(paths);
  const secrets: { bootstrapToken?: BootstrapToken; encryptionKey?: string } = {};
  if (token) {
    secrets.bootstrapToken = kept.bootstrapToken ?? { id: randomString(6), secret: randomString(16) };
    if (!kept.bootstrapToken) await writeFileAtomic(secretFile(paths, "bootstrapToken"), `${secrets.bootstrapToken.id}.${secrets.bootstrapToken.secret}\n`, 0o600);
  }
  if (encryption) {
    secrets.encryptionKey = kept.encryptionKey ?? randomBytes(32).toString("base64");
    if (!kept.encryptionKey) await writeFileAtomic(secretFile(paths, "encryptionKey"), `${secrets.encryptionKey}\n`, 0o600);
  }
  return secrets;
}
