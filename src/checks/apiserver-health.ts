/**
 * Check: each API server answers /version and /healthz (checked against the lab's CA; with the
 * health-check client certificate where anonymous requests are refused).
 */
import { shellLine } from "../errors.js";
import { apiProbeTls } from "../render/api-probe.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";
import { scaledTimeout } from "../pipeline/node-commands.js";

/** API server /version and /healthz on each control plane node. */
export const apiserverHealth: Check = {
  id: "apiserver-health",
  title: "the API server answers /version and /healthz",
  appliesTo: (plan) => plan.api.servers.length > 0,
  async run(ctx) {
    return Promise.all(
      ctx.plan.api.servers.map(async (node) => {
        const started = Date.now();
        const url = (path: string): string => `https://127.0.0.1:${ctx.plan.api.port}${path}`;
        const curl = (path: string): string[] => ["curl", "-fsS", "--max-time", String(scaledTimeout(5_000, ctx) / 1000), ...apiProbeTls(ctx.plan), url(path)];
        const [version, healthz] = await Promise.all([exec(ctx, node.name, curl("/version")), exec(ctx, node.name, curl("/healthz"))]);
        let gitVersion = "";
        try {
          gitVersion = (JSON.parse(version.stdout) as { gitVersion?: string }).gitVersion ?? "";
        } catch {
          gitVersion = "";
        }
        const ok = version.exitCode === 0 && gitVersion !== "" && healthz.exitCode === 0 && healthz.stdout.trim() === "ok";
        return checkResult(apiserverHealth, started, {
          node: node.name,
          status: ok ? "pass" : "fail",
          ran: `${shellLine(curl("/version"))}; ${shellLine(curl("/healthz"))}`,
          saw: ok ? `version ${gitVersion}, healthz ok` : lastLines(`${version.stdout}${version.stderr}\n${healthz.stdout}${healthz.stderr}`, 4).trim(),
          ...(ok ? {} : { reason: `/version exited ${version.exitCode}, /healthz exited ${healthz.exitCode}`, hint: `lab logs ${ctx.plan.labName} ${node.name} kubelet` }),
        });
      }),
    );
  },
};
