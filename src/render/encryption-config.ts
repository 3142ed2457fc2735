/**
 * The API server's EncryptionConfiguration: Secrets are written to etcd encrypted with AES-CBC
 * under the lab's own key, and read back whether encrypted or not (the identity provider after it
 * reads what was stored before encryption was turned on).
 */
import { stringify } from "yaml";

/** The name of the lab's key in the configuration (what etcd's values name after the provider). */
export const ENCRYPTION_KEY_NAME = "key1";

/** What every Secret stored with the lab's key starts with in etcd. */
export const ENCRYPTED_VALUE_PREFIX = `k8s:enc:aescbc:v1:${ENCRYPTION_KEY_NAME}:`;

/** The EncryptionConfiguration for `key` (32 random bytes, base64). */
export function encryptionConfig(key: string): string {
  return stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [
      {
        resources: ["secrets"],
        providers: [{ aescbc: { keys: [{ name: ENCRYPTION_KEY_NAME, secret: key }] } }, { identity: {} }],
      },
    ],
  });
}
