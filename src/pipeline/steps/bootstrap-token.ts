/**
 * Step (labs whose kubelets join by TLS bootstrapping): once the API server answers, the kubelets'
 * bootstrap token as a Secret in kube-system, and the ClusterRoleBindings that let its users ask
 * for node client certificates, have the controller manager approve them, and let every node have
 * the renewal of its own certificate approved. The kubelets start after this step: they join with
 * the token. Run again, it applies the same objects (the token's expiry moves on by a day).
 */
import { stringify } from "yaml";
import { shellLine } from "../../errors.js";
import { adminNode } from "../../plan/plan.js";
import { readLabSecrets } from "../../secrets/lab-secrets.js";
import {
  BOOTSTRAP_BINDINGS,
  BOOTSTRAP_GROUP,
  BOOTSTRAP_TOKEN_TTL_MS,
  bootstrapBindings,
  bootstrapTokenSecret,
} from "../../render/tls-bootstrap.js";
import { commandAction } from "../explanation.js";
import { kubectl, kubectlArgv } from "../kubectl.js";
import type { Step } from "../step.js";

const APPLY = ["apply", "-f", "-"];

/** Exits 0 once kube-system holds a bootstrap token. */
const TOKEN_PROOF = ["sh", "-c", `${shellLine(kubectlArgv(["get", "secrets", "-n", "kube-system", "--field-selector", "type=bootstrap.kubernetes.io/token", "-o", "name"]))} | grep -q .`];

/** Creates the bootstrap token and its bindings. */
export const bootstrapToken: Step = {
  id: "bootstrap-token",
  title: "Creating the kubelets' bootstrap token",
  explain: (plan) => {
    const admin = adminNode(plan).name;
    return {
      what:
        "With TLS bootstrapping no kubelet gets a client certificate from kubelab: each joins with a bootstrap token (a Secret in kube-system, its id and " +
        `secret random, kept in the lab's state), as a user of group ${BOOTSTRAP_GROUP}, asks the API server for a certificate (a CertificateSigningRequest), ` +
        "and the controller manager approves and signs it with the cluster CA. The token is accepted for a day after this step; the kubelets start once it exists.",
      actions: [
        commandAction(
          admin,
          kubectlArgv(APPLY),
          `apply the token's Secret bootstrap-token-<id> in kube-system (type bootstrap.kubernetes.io/token: token-id, token-secret, expiration, usage-bootstrap-authentication, ` +
            `usage-bootstrap-signing, auth-extra-groups ${BOOTSTRAP_GROUP}) and the ClusterRoleBindings ` +
            BOOTSTRAP_BINDINGS.map((b) => `${b.name} (${b.group} -> ${b.role}: ${b.what})`).join(", "),
        ),
      ],
      proof: [
        commandAction(admin, TOKEN_PROOF, "kube-system holds a bootstrap token (until it expires, a day after the step ran)"),
        commandAction(admin, kubectlArgv(["get", "clusterrolebindings", ...BOOTSTRAP_BINDINGS.map((b) => b.name)]), "the bootstrap bindings exist"),
      ],
    };
  },
  async run(ctx) {
    const token = (ctx.results.secrets ?? (await readLabSecrets(ctx.paths))).bootstrapToken;
    if (!token) throw new Error("bug: a lab with TLS bootstrapping has no bootstrap token");
    const objects = [bootstrapTokenSecret(ctx.plan, token, new Date(Date.now() + BOOTSTRAP_TOKEN_TTL_MS)), ...bootstrapBindings()];
    await kubectl(ctx, APPLY, objects.map((o) => stringify(o)).join("---\n"));
  },
};
