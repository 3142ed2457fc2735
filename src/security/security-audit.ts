/**
 * `lab verify NAME --security`: on every node, read the facts (one command per node) and report
 * each rule's finding as a check result.
 */
import type { CheckResult } from "../pipeline/events.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { run } from "../pipeline/node-commands.js";
import { nodeFactsScript, parseNodeFacts } from "./node-facts.js";
import { securityFindings } from "./security-findings.js";

/** Audits every node of the lab, emitting each finding as it is made. */
export async function securityAudit(ctx: LabContext): Promise<CheckResult[]> {
  const perNode = await Promise.all(
    ctx.plan.nodes.map(async (node) => {
      const started = Date.now();
      const facts = parseNodeFacts(await run(ctx, node.name, ["sh", "-c", nodeFactsScript()], { what: "read the node's security settings" }));
      return securityFindings(ctx.plan, node, facts).map((f): CheckResult => ({ ...f, durationMs: Date.now() - started }));
    }),
  );
  const results = perNode.flat();
  for (const result of results) ctx.emit({ type: "check", result });
  return results;
}
