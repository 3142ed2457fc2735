/**
 * TLS bootstrapping (security.kubeletBootstrap token), as the Kubernetes documentation and the 1.10
 * from-scratch guide set it up: a bootstrap token (a Secret in kube-system) that the API server
 * accepts as a user of group system:bootstrappers:kubelab; that group may create certificate
 * signing requests and have its node client certificates approved by the controller manager; every
 * node may have the renewal of its own certificate approved (rotation). A kubelet joins with a
 * kubeconfig holding the token, and writes its own kubeconfig once its certificate is signed.
 */
import type { Plan } from "../plan/plan.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { kubeconfigPath } from "./node-layout.js";

/** A bootstrap token: `<id>.<secret>`, 6 and 16 characters of [a-z0-9]. */
export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
}

/** The group the lab's bootstrap token adds its user to. */
export const BOOTSTRAP_GROUP = "system:bootstrappers:kubelab";

/** The kubeconfig a kubelet joins with (the bootstrap token's user). */
export const BOOTSTRAP_KUBECONFIG = kubeconfigPath("bootstrap-kubelet");

/** The signer of kubelets' client certificates. */
export const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";

/** How long the token is accepted after the step that made it last ran (the controller manager then deletes it). */
export const BOOTSTRAP_TOKEN_TTL_MS = 24 * 3_600_000;

/** The user a bootstrap token authenticates as. */
export function bootstrapUser(token: Pick<BootstrapToken, "id">): string {
  return `system:bootstrap:${token.id}`;
}

/** The token as the kubelet presents it. */
export function bearerToken(token: BootstrapToken): string {
  return `${token.id}.${token.secret}`;
}

/** The name of the token's Secret in kube-system. */
export function bootstrapTokenSecretName(token: Pick<BootstrapToken, "id">): string {
  return `bootstrap-token-${token.id}`;
}

/** The token's Secret, accepted until `expires`. */
export function bootstrapTokenSecret(plan: Plan, token: BootstrapToken, expires: Date): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: bootstrapTokenSecretName(token), namespace: "kube-system" },
    type: "bootstrap.kubernetes.io/token",
    stringData: {
      description: `kubelab: the kubelets of lab ${plan.labName} join with it`,
      "token-id": token.id,
      "token-secret": token.secret,
      expiration: expires.toISOString().replace(/\.\d{3}Z$/, "Z"),
      "usage-bootstrap-authentication": "true",
      "usage-bootstrap-signing": "true",
      "auth-extra-groups": BOOTSTRAP_GROUP,
    },
  };
}

/** The ClusterRoleBindings TLS bootstrapping needs, by name: who may do what. */
export const BOOTSTRAP_BINDINGS = [
  { name: "kubelab:kubelet-bootstrap", group: BOOTSTRAP_GROUP, role: "system:node-bootstrapper", what: "the bootstrap token's users may create certificate signing requests" },
  {
    name: "kubelab:node-autoapprove-bootstrap",
    group: BOOTSTRAP_GROUP,
    role: "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
    what: "the controller manager approves their requests for a node client certificate",
  },
  {
    name: "kubelab:node-autoapprove-certificate-rotation",
    group: "system:nodes",
    role: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
    what: "the controller manager approves a node's request to renew its own client certificate (rotation)",
  },
] as const;

/** The ClusterRoleBinding objects. */
export function bootstrapBindings(): Record<string, unknown>[] {
  return BOOTSTRAP_BINDINGS.map((b) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: b.name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: b.role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: b.group }],
  }));
}

/** The kubeconfig a kubelet joins with: the lab's CA and the bootstrap token. */
export function bootstrapKubeconfig(plan: Plan, caPem: string, token: BootstrapToken): string {
  return renderKubeconfig({ cluster: plan.labName, server: plan.api.endpoint, caPem, user: "kubelet-bootstrap", token: bearerToken(token) });
}
