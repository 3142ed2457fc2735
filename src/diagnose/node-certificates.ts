/**
 * Reading what a node really holds, for the diagnoses: a file (or nothing when it is missing), the
 * certificates in a PEM file or a kubeconfig, and what a certificate says (subject CN, SANs).
 */
import { X509Certificate } from "node:crypto";
import { parse } from "yaml";
import type { LabContext } from "../pipeline/lab-context.js";
import { exec } from "../pipeline/node-commands.js";

/** A file of a node, or undefined when it is not there or cannot be read. */
export async function readNodeFile(ctx: LabContext, node: string, path: string): Promise<string | undefined> {
  const r = await exec(ctx, node, ["cat", path]);
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** The certificates of a PEM text, in order (bad blocks skipped). */
export function certificatesIn(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

/** A kubeconfig user's credentials, as far as certificates go. */
interface KubeconfigUser {
  "client-certificate-data"?: string;
  "client-certificate"?: string;
}

/** The users of a kubeconfig, in order. */
function kubeconfigUsers(kubeconfigText: string): KubeconfigUser[] {
  return ((parse(kubeconfigText) as { users?: { user?: KubeconfigUser }[] } | null)?.users ?? []).flatMap((u) => (u.user ? [u.user] : []));
}

/** The certificates a kubeconfig user carries in client-certificate-data. */
function embedded(user: KubeconfigUser): X509Certificate[] {
  const data = user["client-certificate-data"];
  return data === undefined ? [] : certificatesIn(Buffer.from(data, "base64").toString("utf8"));
}

/** The client certificates embedded in a kubeconfig (client-certificate-data), every user's. */
export function embeddedClientCertificates(kubeconfigText: string): X509Certificate[] {
  return kubeconfigUsers(kubeconfigText).flatMap(embedded);
}

/** A kubeconfig's client certificate: embedded, or the file it names (read from the node). */
export async function kubeconfigClientCertificate(ctx: LabContext, node: string, kubeconfigText: string): Promise<{ certificate?: X509Certificate; source: string }> {
  const user = kubeconfigUsers(kubeconfigText)[0];
  if (user?.["client-certificate-data"] !== undefined) return { certificate: embedded(user)[0], source: "client-certificate-data" };
  const file = user?.["client-certificate"];
  if (file === undefined) return { source: "no client certificate" };
  const pem = await readNodeFile(ctx, node, file);
  return { certificate: pem === undefined ? undefined : certificatesIn(pem)[0], source: file };
}

/** A certificate's subject common name. */
export function commonName(certificate: X509Certificate): string {
  return /^CN=(.*)$/m.exec(certificate.subject)?.[1] ?? "";
}

/** A certificate's subject organizations (Kubernetes groups). */
export function organizations(certificate: X509Certificate): string[] {
  return [...certificate.subject.matchAll(/^O=(.*)$/gm)].map((m) => m[1]!);
}

/** A certificate's IP address SANs. */
export function ipSans(certificate: X509Certificate): string[] {
  return [...(certificate.subjectAltName ?? "").matchAll(/IP Address:([0-9.]+)/g)].map((m) => m[1]!);
}

/** True when `ca` issued `certificate` and its signature checks out. */
export function issuedBy(certificate: X509Certificate, ca: X509Certificate): boolean {
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
}
