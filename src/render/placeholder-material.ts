/**
 * Stand-ins for the material node files embed (certificates, keys, secrets, image names), for rendering a
 * plan's files without its PKI: to fingerprint how kubelab renders them, to explain them, and (two
 * different sets) to tell the files that embed such material from those that are the same for any.
 */
import type { NodeImages, PkiMaterial } from "./node-files.js";
import { STATIC_POD_COMPONENTS, type ComponentImages } from "./static-pods.js";

/** Certificates, keys, secrets and image names that name themselves, each prefixed by `tag`. */
export function placeholderMaterial(tag: string): { pki: PkiMaterial; images: NodeImages } {
  return {
    pki: {
      get: (name) => ({ certPem: `${tag}certificate ${name}`, keyPem: `${tag}key ${name}` }),
      serviceAccount: { privateKeyPem: `${tag}service account key`, publicKeyPem: `${tag}service account public key` },
      secrets: { bootstrapToken: { id: `${tag}token-id`, secret: `${tag}token-secret` }, encryptionKey: `${tag}encryption key` },
    },
    images: {
      sandbox: `${tag}sandbox`,
      components: Object.fromEntries(STATIC_POD_COMPONENTS.map((c) => [c, `${tag}${c}`])) as ComponentImages,
    },
  };
}

const PLACEHOLDERS = placeholderMaterial("");

/** Certificates and keys that name themselves instead of holding PEM. */
export const PLACEHOLDER_PKI: PkiMaterial = PLACEHOLDERS.pki;

/** Image names that are the components' own names. */
export const PLACEHOLDER_IMAGES: NodeImages = PLACEHOLDERS.images;
