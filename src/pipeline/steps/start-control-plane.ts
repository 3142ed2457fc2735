/**
 * Step: start kube-apiserver, kube-controller-manager and kube-scheduler on each control plane
 * node; wait until the API server is ready and the other two answer their health checks.
 */
import { certPath } from "../../render/node-layout.js";
import { startUnits, waitFor } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import type { Step } from "../step.js";

const UNITS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];

/** Health endpoints of each control plane component, on the node itself. */
function healthChecks(apiPort: number): { unit: string; url: string; what: string }[] {
  return [
    { unit: "kube-apiserver", url: `https://127.0.0.1:${apiPort}/readyz`, what: "the API server to be ready" },
    { unit: "kube-controller-manager", url: "https://127.0.0.1:10257/healthz", what: "the controller manager to be healthy" },
    { unit: "kube-scheduler", url: "https://127.0.0.1:10259/healthz", what: "the scheduler to be healthy" },
  ];
}

/** Starts the control plane. */
export const startControlPlane: Step = {
  id: "control-plane",
  title: "Starting the control plane",
  async run(ctx) {
    await forEachNode(ctx, "control-plane", ctx.plan.api.servers, async (node) => {
      await startUnits(ctx, node.name, UNITS);
      for (const h of healthChecks(ctx.plan.api.port)) {
        // The API server is checked against the lab's CA; the others serve self-signed certificates.
        const tls = h.unit === "kube-apiserver" ? [`--cacert`, certPath("ca")] : ["--insecure"];
        await waitFor(ctx, {
          step: "start the control plane",
          node: node.name,
          what: h.what,
          argv: ["curl", "-fsS", "--max-time", "2", ...tls, h.url],
          units: [h.unit],
          timeoutMs: 60_000,
          intervalMs: 200,
        });
      }
    });
  },
};
