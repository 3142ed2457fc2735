/**
 * Step: the lab's certificate authorities, every component certificate and the service account
 * key pair, kept in the state directory and reused while the plan is unchanged. Also the admin
 * kubeconfig for kubectl on the host, and the secrets the lab's hardening needs (the kubelets'
 * bootstrap token, the key Secrets are encrypted with), made once and kept.
 */
import { writeFileAtomic } from "../../atomic-write.js";
import { certificateSpecs, SERVICE_ACCOUNT_KEY_PAIR } from "../../pki/certificate-specs.js";
import { describeCertificate } from "../../pki/describe-certificate.js";
import { ensurePki } from "../../pki/pki-store.js";
import { ensureLabSecrets } from "../../secrets/lab-secrets.js";
import { kubeconfigFor } from "../../render/node-files.js";
import { hostAction } from "../explanation.js";
import type { Step } from "../step.js";

/** Generates (or reuses) the PKI. */
export const generatePki: Step = {
  id: "pki",
  title: "Generating certificates",
  explain: (plan) => {
    const specs = certificateSpecs(plan);
    return {
      what:
        "Every component proves who it is with a certificate signed by one of the lab's certificate authorities, and checks the others' against them; " +
        "the API server signs service account tokens with a key pair. Made once and kept: a rerun reuses them.",
      actions: [
        ...specs.map((spec) => hostAction(`${spec.name}.crt and .key: ${describeCertificate(spec, specs).join("; ")}`)),
        hostAction(`${SERVICE_ACCOUNT_KEY_PAIR.name}.key and .pub: the key pair that signs and verifies service account tokens`),
        hostAction("admin.kubeconfig: the admin client certificate, to run kubectl from the host"),
        ...(plan.security.kubeletBootstrap === "token"
          ? [hostAction("secrets/bootstrap-token: a random bootstrap token (<6 characters>.<16 characters>) the kubelets join with, kept for the lab's life")]
          : []),
        ...(plan.security.encryptionAtRest === "aescbc"
          ? [hostAction("secrets/encryption-key: 32 random bytes, the AES-CBC key Secrets are encrypted with in etcd, kept for the lab's life")]
          : []),
      ],
    };
  },
  async run(ctx) {
    const [pki, secrets] = await Promise.all([ensurePki(ctx.plan, ctx.paths), ensureLabSecrets(ctx.plan, ctx.paths)]);
    ctx.results.pki = pki;
    ctx.results.secrets = secrets;
    // Every certificate, plus the service account key pair.
    const reused = pki.names().length + 1 - pki.regenerated.length;
    ctx.emit({
      type: "log",
      level: "info",
      step: "pki",
      message: `${pki.regenerated.length} certificates made, ${reused} reused, in ${ctx.paths.pkiDir}`,
    });
    await writeFileAtomic(ctx.paths.adminKubeconfig, kubeconfigFor(ctx.plan, pki, { cert: "admin", user: "admin" }), 0o600);
  },
};
