/**
 * What the file-based drills need: a node file replaced, the lab's own copy of it (kept in the
 * state directory by the files step) put back, and a certificate of the lab issued again from its
 * own key and CA with something about it changed.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { certificateSpecs, type CertificateSpec } from "../pki/certificate-specs.js";
import { issueCertificate, type ValidityOptions } from "../pki/issue-certificate.js";
import { keyFromPem } from "../pki/keys.js";
import type { LabContext } from "../pipeline/lab-context.js";

/** Writes `content` to `path` on `node`. */
export async function putNodeFile(ctx: LabContext, node: string, path: string, content: string, mode = 0o644): Promise<void> {
  await ctx.provider.copyFiles(ctx.plan.labName, node, [{ path, content, mode }]);
}

/** The lab's own copy of a node's file, as the files step last wrote it. */
export async function labCopy(ctx: LabContext, node: string, path: string): Promise<{ content: string; mode: number }> {
  const file = join(ctx.paths.nodeDir(node), path);
  const [content, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
  return { content, mode: info.mode & 0o777 };
}

/** Puts the lab's own copy of `path` back on `node`. */
export async function restoreNodeFile(ctx: LabContext, node: string, path: string): Promise<void> {
  const { content, mode } = await labCopy(ctx, node, path);
  await putNodeFile(ctx, node, path, content, mode);
}

/** The lab's certificate `name` issued again, same key and CA, from its spec as `change` makes it. */
export async function reissuedCertificate(
  ctx: LabContext,
  name: string,
  change: (spec: CertificateSpec) => CertificateSpec,
  options: ValidityOptions = {},
): Promise<string> {
  const spec = certificateSpecs(ctx.plan).find((s) => s.name === name);
  if (!spec || spec.issuer === "self") throw new Error(`bug: the lab has no certificate ${name} issued by a CA`);
  const [keyPem, caCertPem, caKeyPem] = await Promise.all([
    readFile(ctx.paths.key(name), "utf8"),
    readFile(ctx.paths.cert(spec.issuer), "utf8"),
    readFile(ctx.paths.key(spec.issuer), "utf8"),
  ]);
  return issueCertificate(change(spec), keyFromPem(keyPem), { certPem: caCertPem, key: keyFromPem(caKeyPem) }, options);
}
