/**
 * Drills that put a wrong serving certificate in the API server: one that has expired, one that is
 * not valid yet (as a machine whose clock runs a day ahead would issue it), and one without the
 * address its clients dial. Each is the lab's own certificate issued again from the same key and
 * CA with that one thing changed; heal puts the lab's certificate back.
 */
import { readFile } from "node:fs/promises";
import { certificateParts } from "../pki/certificate-specs.js";
import type { PlannedNode } from "../plan/plan.js";
import { restartApiServer } from "../pipeline/components.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { waitFor } from "../pipeline/node-commands.js";
import { waitForControlPlane } from "../pipeline/steps/start-control-plane.js";
import { certPath } from "../render/node-layout.js";
import type { Fault } from "./fault.js";
import { reissuedCertificate } from "./lab-files.js";

const DAY_MS = 86_400_000;

/**
 * Puts `certPem` in place of the API server's certificate on `node` and restarts the API server
 * with it (it would only read the file again within a minute by itself).
 */
async function replaceApiServerCert(ctx: LabContext, node: PlannedNode, certPem: string): Promise<void> {
  await ctx.provider.copyFiles(ctx.plan.labName, node.name, [{ path: certPath(certificateParts(ctx.plan).apiServer), content: certPem, mode: 0o644 }]);
  await restartApiServer(ctx, node.name);
}

/**
 * A drill that serves the certificate `issue` makes, and waits until clients see `refused` (a curl
 * error, as an extended regex) and, when `servesLocally`, until the API server is ready to the
 * clients on its own node, which dial 127.0.0.1.
 */
function apiServerCertFault(
  fields: Pick<Fault, "id" | "title" | "expect">,
  issue: (ctx: LabContext) => Promise<string>,
  refused: string,
  servesLocally = false,
): Fault {
  return {
    ...fields,
    notApplicable: (_plan, node) => (node.controlPlane ? undefined : `${node.name} runs no API server`),
    defaultNode: (plan) => plan.api.servers[0],
    cutsOffApi: true,
    async break(ctx, node) {
      await replaceApiServerCert(ctx, node, await issue(ctx));
      // The address every kubeconfig dials, through the load balancer when there is one.
      await waitFor(ctx, {
        step: `drill ${fields.id}`,
        node: node.name,
        what: "the API server to serve the drill's certificate",
        argv: ["sh", "-c", `curl -sS --max-time 2 --cacert ${certPath("ca")} https://${ctx.plan.api.address}:${ctx.plan.api.port}/healthz 2>&1 | grep -qiE '${refused}'`],
        timeoutMs: 60_000,
        intervalMs: 250,
      });
      if (servesLocally) await waitForControlPlane(ctx, node, `drill ${fields.id}`);
    },
    async heal(ctx, node) {
      await replaceApiServerCert(ctx, node, await readFile(ctx.paths.cert(certificateParts(ctx.plan).apiServer), "utf8"));
      await waitForControlPlane(ctx, node, `heal drill ${fields.id}`);
    },
  };
}

/** The API server's certificate replaced by one that expired yesterday. */
export const expiredCert = apiServerCertFault(
  {
    id: "expired-cert",
    title: "replace the API server's certificate with an expired one",
    expect: "every client of that API server refuses it: x509: certificate has expired or is not yet valid",
  },
  (ctx) => reissuedCertificate(ctx, certificateParts(ctx.plan).apiServer, (spec) => spec, { now: new Date(Date.now() - 2 * DAY_MS), leafValidityDays: 1 }),
  "expired",
);

/** The API server's certificate replaced by one valid from tomorrow: issued where the clock runs a day ahead. */
export const clockSkewCert = apiServerCertFault(
  {
    id: "clock-skew",
    title: "replace the API server's certificate with one issued by a machine whose clock runs a day ahead",
    expect: "every client refuses it as not yet valid; the diagnosis names the certificate and the skew",
  },
  (ctx) => reissuedCertificate(ctx, certificateParts(ctx.plan).apiServer, (spec) => spec, { now: new Date(Date.now() + DAY_MS) }),
  "not yet valid",
);

/** The API server's certificate replaced by one without the address every kubeconfig dials. */
export const missingSan = apiServerCertFault(
  {
    id: "missing-san",
    title: "replace the API server's certificate with one missing the address its clients dial",
    expect: "kubectl, kubelet and kube-proxy refuse it: x509: certificate is valid for ..., not ...; the diagnosis names the missing SAN",
  },
  (ctx) => reissuedCertificate(ctx, certificateParts(ctx.plan).apiServer, (spec) => ({ ...spec, ipAddresses: spec.ipAddresses.filter((ip) => ip !== ctx.plan.api.address) })),
  "subject name|not match|valid for",
  true,
);
