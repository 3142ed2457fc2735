/**
 * After failed checks, the known causes looked for at once in the running lab, each found one
 * emitted as a `diagnosis` event. A cause that cannot be looked for (its node unreachable) is
 * skipped with a debug line: the checks have said what failed already.
 */
import type { CheckId } from "../config/lab-schema.js";
import { runChecks } from "../checks/registry.js";
import type { CheckResult, Diagnosis } from "../pipeline/events.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { apiServerSan } from "./apiserver-san.js";
import { clockSkew } from "./clock-skew.js";
import { dnsServiceIp } from "./dns-service-ip.js";
import { etcdPeerTls } from "./etcd-peer-tls.js";
import type { KnownCause } from "./known-cause.js";
import { kubeProxyDown } from "./kube-proxy.js";
import { kubeletCn } from "./kubelet-cn.js";
import { overlayRoutes } from "./overlay-routes.js";
import { podCidr } from "./pod-cidr.js";

/** Every known cause, in the order their diagnoses are shown. */
export const KNOWN_CAUSES: readonly KnownCause[] = [apiServerSan, kubeletCn, clockSkew, etcdPeerTls, podCidr, overlayRoutes, kubeProxyDown, dnsServiceIp];

/** Looks for every known cause that applies to the lab; emits and returns what is found. */
export async function diagnose(ctx: LabContext): Promise<Diagnosis[]> {
  const found = await Promise.all(
    KNOWN_CAUSES.filter((cause) => cause.appliesTo(ctx.plan)).map(async (cause) => {
      try {
        return await cause.find(ctx);
      } catch (error) {
        ctx.emit({ type: "log", level: "debug", message: `could not look for ${cause.id}: ${error instanceof Error ? error.message : String(error)}` });
        return [];
      }
    }),
  );
  const diagnoses = found.flat();
  for (const diagnosis of diagnoses) ctx.emit({ type: "diagnosis", diagnosis });
  return diagnoses;
}

/** The lab's checks and, when any fails, the known causes found. */
export async function checkAndDiagnose(ctx: LabContext, ids: readonly CheckId[]): Promise<{ results: CheckResult[]; diagnoses: Diagnosis[] }> {
  const results = await runChecks(ctx, ids);
  const diagnoses = results.some((r) => r.status === "fail") ? await diagnose(ctx) : [];
  return { results, diagnoses };
}
