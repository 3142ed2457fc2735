/**
 * Step: the lab's certificate authorities, every component certificate and the service account
 * key pair, kept in the state directory and reused while the plan is unchanged. Also the admin
 * kubeconfig for kubectl on the host.
 */
import { writeFileAtomic } from "../../atomic-write.js";
import { ensurePki } from "../../pki/pki-store.js";
import { kubeconfigFor } from "../../render/node-files.js";
import type { Step } from "../step.js";

/** Generates (or reuses) the PKI. */
export const generatePki: Step = {
  id: "pki",
  title: "Generating certificates",
  async run(ctx) {
    const pki = await ensurePki(ctx.plan, ctx.paths);
    ctx.results.pki = pki;
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
