/**
 * `lab status NAME`: a lab's nodes, their state and addresses, and its last check results.
 */
import type { Command } from "commander";
import { LabPaths } from "../../lab-paths.js";
import { readLabState } from "../../lab-state.js";
import { labStatus } from "../../lab/lab-status.js";
import type { ProviderName } from "../../config/lab-schema.js";
import { createProvider } from "../../providers/registry.js";
import { age, printResult, reported, table } from "../output.js";

/** Registers `lab status`. */
export function statusCommand(program: Command): void {
  program
    .command("status")
    .description("show a lab's nodes and its last check results")
    .argument("<lab>", "the lab's name")
    .action(async (lab: string, _opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        const state = await readLabState(new LabPaths(lab));
        const provider = await createProvider((state?.provider ?? "docker") as ProviderName);
        await provider.preflight();
        const s = await labStatus(lab, provider);
        printResult(global, s, () => {
          if (s.phase === "orphaned" && s.nodes === 0) return [`lab ${lab} does not exist (bring it up with: lab up ${lab})`];
          const lines = [
            `lab ${lab}: ${s.phase}, provider ${s.provider}, ${s.running}/${s.nodes} nodes running, age ${age(s.createdAt)}`,
            ...(s.state?.failedStep ? [`failed at step: ${s.state.failedStep}`] : []),
            "",
            ...table(
              ["NODE", "STATE", "IP", "CONTAINER"],
              s.nodeStatus.map((n) => [n.name, n.state, n.ip ?? "-", n.id]),
            ),
          ];
          if (s.lastChecks.length) {
            lines.push("", "last checks:");
            lines.push(...table(["RESULT", "CHECK", "NODE", "SAW"], s.lastChecks.map((c) => [c.status.toUpperCase(), c.check, c.node ?? "-", c.saw.split("\n")[0] ?? ""])));
          }
          lines.push("", `kubeconfig: ${s.kubeconfig}`);
          return lines;
        });
      });
    });
}
