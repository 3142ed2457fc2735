/**
 * The lab's PKI on disk: `<name>.crt` and `<name>.key` per certificate, `service-account.key` and
 * `.pub`, and a manifest recording, per name, the fingerprint of its spec, of what was written and
 * of its issuer. A rerun reuses what is still right and reissues the rest, so an unchanged plan
 * leaves every file untouched and a changed node address only reissues the certificates that name
 * it.
 */
import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { chmod, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { KeyAlgorithm } from "../config/lab-schema.js";
import { errorMessage, UserError } from "../errors.js";
import type { LabPaths } from "../lab-paths.js";
import type { Plan } from "../plan/plan.js";
import { pkiSpecs, SERVICE_ACCOUNT_KEY_PAIR, type CaName, type PkiSpec } from "./certificate-specs.js";
import { issueCertificate, type SigningCa, type ValidityOptions } from "./issue-certificate.js";
import { generateKey, keyFromPem, type PkiKey } from "./keys.js";
import { writeFileAtomic } from "../atomic-write.js";

/** A certificate and its private key, as PEM. */
export interface CertificateFiles {
  readonly certPem: string;
  readonly keyPem: string;
}

/** The service-account signing key pair, as PEM. */
export interface ServiceAccountKeyPair {
  /** PKCS#1 (RSA) or SEC1 (ECDSA), for kube-controller-manager (and kube-apiserver's --service-account-signing-key-file). */
  readonly privateKeyPem: string;
  /** SPKI, for kube-apiserver's --service-account-key-file. */
  readonly publicKeyPem: string;
}

/** A lab's PKI, as ensured on disk. */
export interface Pki {
  /** A certificate and its key by name; throws for a name the lab has no certificate by. */
  get(name: string): CertificateFiles;
  /** The names of every certificate (not the service-account key pair), CAs first. */
  names(): string[];
  /** The certificate of a CA. */
  caCertPem(ca: CaName): string;
  readonly serviceAccount: ServiceAccountKeyPair;
  /** What this run made (new or reissued), in spec order; empty when everything was reused. */
  readonly regenerated: readonly string[];
}

/** Options of {@link ensurePki}. */
export interface EnsurePkiOptions extends ValidityOptions {
  /** A certificate expiring within this many days of `now` is reissued (default 30). */
  renewBeforeDays?: number;
}

/** Bump when the way certificates are issued changes: every certificate is then reissued. */
const ISSUANCE_FORMAT = 1;
const DEFAULT_RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;
/** What a name must look like before its files are deleted (node names, fixed names). */
const SAFE_NAME = /^[a-z0-9][a-z0-9.-]*$/;

const manifestSchema = z.object({
  version: z.literal(1),
  entries: z.record(
    z.string(),
    z.object({
      /** sha256 of the spec's JSON (and of the issuance format). */
      spec: z.string(),
      /** sha256 of the certificate's DER, or of the public key's SPKI DER for a key pair. */
      fingerprint: z.string(),
      /** The issuer's fingerprint when this was issued; null for CAs and key pairs. */
      issuer: z.string().nullable(),
    }),
  ),
});
type Manifest = z.infer<typeof manifestSchema>;
type ManifestEntry = Manifest["entries"][string];

/** One name's key and certificate, read from disk or just made. */
interface Material {
  readonly key: PkiKey;
  /** Undefined for a key pair. */
  readonly certPem: string | undefined;
  readonly fingerprint: string;
}

/**
 * Makes sure the lab's PKI is on disk and matches the plan, and returns it. What exists, matches
 * its spec, is intact and was issued by a reused issuer is kept; everything else (and everything
 * its CA issued) gets a new key and certificate. Missing keys are all generated concurrently, on
 * libuv's threadpool; each certificate is signed (CAs before what they issue) as soon as its key is.
 */
export async function ensurePki(plan: Plan, paths: LabPaths, options: EnsurePkiOptions = {}): Promise<Pki> {
  const specs = pkiSpecs(plan);
  const now = options.now ?? new Date();
  const renewAfter = new Date(now.getTime() + (options.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS) * DAY_MS);

  await onDisk(`create ${paths.pkiDir}`, async () => {
    await mkdir(paths.pkiDir, { recursive: true, mode: 0o700 });
    await chmod(paths.pkiDir, 0o700);
  });
  const previous = await readManifest(paths.pkiManifest);
  const existing = await Promise.all(specs.map((spec) => readMaterial(spec, plan.pkiKeyAlgorithm, paths, renewAfter)));

  // Specs list CAs before what they issue, so an issuer is always decided before its certificates.
  const materials = new Map<string, Material>();
  const entries: Record<string, ManifestEntry> = {};
  specs.forEach((spec, i) => {
    const material = existing[i];
    const entry = previous?.entries[spec.name];
    if (material && entry && isReusable(spec, material, entry, entries, materials)) {
      materials.set(spec.name, material);
      entries[spec.name] = entry;
    }
  });

  const missing = specs.filter((spec) => !materials.has(spec.name));
  const made = await makeMissing(missing, plan.pkiKeyAlgorithm, materials, paths, options);
  missing.forEach((spec, i) => {
    const material = made[i]!;
    materials.set(spec.name, material);
    entries[spec.name] = { spec: specFingerprint(spec), fingerprint: material.fingerprint, issuer: issuerFingerprint(spec, materials) };
  });

  await onDisk(`update ${paths.pkiManifest}`, async () => {
    const current = new Set(specs.map((s) => s.name));
    const stale = Object.keys(previous?.entries ?? {}).filter((name) => !current.has(name) && SAFE_NAME.test(name));
    await Promise.all(stale.flatMap((name) => filesOf(name, paths).map((file) => rm(file, { force: true }))));
    const manifest = `${JSON.stringify({ version: 1, entries: orderedEntries(specs, entries) } satisfies Manifest, null, 2)}\n`;
    if (manifest !== previous?.text) await writeFileAtomic(paths.pkiManifest, manifest, 0o644);
  });

  return pkiOf(specs, materials, missing.map((s) => s.name));
}

/**
 * Makes and writes the keys and certificates of `missing`, in its order. Every key is requested at
 * once (they share libuv's threadpool); each certificate is signed and written as soon as its key
 * and its CA are ready, so signing and writing overlap the generation of the remaining keys.
 */
async function makeMissing(
  missing: readonly PkiSpec[],
  algorithm: KeyAlgorithm,
  reused: ReadonlyMap<string, Material>,
  paths: LabPaths,
  options: ValidityOptions,
): Promise<Material[]> {
  const tasks = new Map<string, Promise<Material>>();
  const signingCa = async (name: CaName): Promise<SigningCa> => {
    const material = tasks.has(name) ? await tasks.get(name)! : reused.get(name);
    if (!material?.certPem) throw new Error(`bug: CA ${name} is neither reused nor issued`);
    return { certPem: material.certPem, key: material.key };
  };
  // Runs once every task is registered: a task first waits for its key.
  const make = async (spec: PkiSpec, pendingKey: Promise<PkiKey>): Promise<Material> => {
    const key = await pendingKey;
    let material: Material;
    if (spec.kind === "keypair") {
      material = { key, certPem: undefined, fingerprint: publicKeyFingerprint(key.publicKeyPem) };
    } else {
      const ca = spec.issuer === "self" ? undefined : await signingCa(spec.issuer);
      const certPem = await issueCertificate(spec, key, ca, options);
      material = { key, certPem, fingerprint: certificateFingerprint(certPem) };
    }
    await onDisk(`write ${spec.name} in ${paths.pkiDir}`, () => writeMaterial(spec, material, paths));
    return material;
  };
  for (const spec of missing) tasks.set(spec.name, make(spec, generateKey(algorithm)));
  return Promise.all(tasks.values());
}

/** The manifest entries in spec order, so that the manifest is stable from run to run. */
function orderedEntries(specs: readonly PkiSpec[], entries: Record<string, ManifestEntry>): Record<string, ManifestEntry> {
  return Object.fromEntries(specs.map((spec) => [spec.name, entries[spec.name]!]));
}

function isReusable(
  spec: PkiSpec,
  material: Material,
  entry: ManifestEntry,
  decided: Record<string, ManifestEntry>,
  reused: ReadonlyMap<string, Material>,
): boolean {
  if (entry.spec !== specFingerprint(spec) || entry.fingerprint !== material.fingerprint) return false;
  if (spec.kind === "keypair" || spec.issuer === "self") return entry.issuer === null;
  return reused.has(spec.issuer) && entry.issuer === decided[spec.issuer]?.fingerprint;
}

function issuerFingerprint(spec: PkiSpec, materials: ReadonlyMap<string, Material>): string | null {
  if (spec.kind === "keypair" || spec.issuer === "self") return null;
  return materials.get(spec.issuer)!.fingerprint;
}

function specFingerprint(spec: PkiSpec): string {
  return sha256(JSON.stringify({ format: ISSUANCE_FORMAT, spec }));
}

function certificateFingerprint(certPem: string): string {
  return sha256(new X509Certificate(certPem).raw);
}

function publicKeyFingerprint(publicKeyPem: string): string {
  return sha256(createPublicKey(publicKeyPem).export({ type: "spki", format: "der" }));
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The files of a name: key, then certificate or public key. */
function filesOf(name: string, paths: LabPaths): string[] {
  return [paths.key(name), paths.cert(name), publicKeyPath(name, paths)];
}

function publicKeyPath(name: string, paths: LabPaths): string {
  return join(paths.pkiDir, `${name}.pub`);
}

/** The previous manifest and its text; undefined when there is none or it is unreadable. */
async function readManifest(path: string): Promise<(Manifest & { text: string }) | undefined> {
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
  try {
    return { ...manifestSchema.parse(JSON.parse(text)), text };
  } catch {
    return undefined;
  }
}

/**
 * What a spec has on disk, when it is complete and sound: the key parses, is of the lab's
 * algorithm (a key of the other is as good as changed) and matches the certificate (or public
 * key), and the certificate is not about to expire. Undefined otherwise.
 */
async function readMaterial(spec: PkiSpec, algorithm: KeyAlgorithm, paths: LabPaths, renewAfter: Date): Promise<Material | undefined> {
  const [keyPem, otherPem] = await Promise.all([
    readIfExists(paths.key(spec.name)),
    readIfExists(spec.kind === "keypair" ? publicKeyPath(spec.name, paths) : paths.cert(spec.name)),
  ]);
  if (keyPem === undefined || otherPem === undefined) return undefined;
  try {
    const key = keyFromPem(keyPem);
    if (key.algorithm !== algorithm) return undefined;
    if (spec.kind === "keypair") {
      const fingerprint = publicKeyFingerprint(otherPem);
      return fingerprint === publicKeyFingerprint(key.publicKeyPem) ? { key, certPem: undefined, fingerprint } : undefined;
    }
    const cert = new X509Certificate(otherPem);
    if (!cert.checkPrivateKey(key.keyObject) || new Date(cert.validTo) <= renewAfter) return undefined;
    return { key, certPem: otherPem, fingerprint: sha256(cert.raw) };
  } catch {
    return undefined;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UserError(`failed to read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

async function writeMaterial(spec: PkiSpec, material: Material, paths: LabPaths): Promise<void> {
  await writeFileAtomic(paths.key(spec.name), material.key.privateKeyPem, 0o600);
  if (material.certPem === undefined) await writeFileAtomic(publicKeyPath(spec.name, paths), material.key.publicKeyPem, 0o644);
  else await writeFileAtomic(paths.cert(spec.name), material.certPem, 0o644);
}

/** Runs a filesystem step, turning its failure into a {@link UserError} that says what failed. */
async function onDisk(what: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    throw new UserError(`failed to ${what}: ${errorMessage(error)}`, {
      cause: error,
      hint: "Check that the lab's state directory is writable (set KUBELAB_HOME to move it).",
    });
  }
}

function pkiOf(specs: readonly PkiSpec[], materials: ReadonlyMap<string, Material>, regenerated: string[]): Pki {
  const certificates = new Map<string, CertificateFiles>();
  for (const spec of specs) {
    const material = materials.get(spec.name)!;
    if (material.certPem !== undefined) certificates.set(spec.name, { certPem: material.certPem, keyPem: material.key.privateKeyPem });
  }
  const serviceAccount = materials.get(SERVICE_ACCOUNT_KEY_PAIR.name)!.key;
  const get = (name: string): CertificateFiles => {
    const files = certificates.get(name);
    if (!files) throw new Error(`failed to find certificate ${name}: the lab's PKI has no certificate by that name`);
    return files;
  };
  return {
    get,
    names: () => [...certificates.keys()],
    caCertPem: (ca) => get(ca).certPem,
    serviceAccount: { privateKeyPem: serviceAccount.privateKeyPem, publicKeyPem: serviceAccount.publicKeyPem },
    regenerated,
  };
}
