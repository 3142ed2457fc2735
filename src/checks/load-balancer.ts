/**
 * Check: the load balancer sees every API server up (HAProxy's own health checks, read from its
 * admin socket), and a request through it reaches a healthy API server.
 */
import { adminNode } from "../plan/plan.js";
import { HAPROXY_BACKEND, HAPROXY_SOCKET } from "../render/haproxy.js";
import { apiProbeTls } from "../render/api-probe.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import type { LabContext } from "../pipeline/lab-context.js";
import { checkResult, type Check } from "./check.js";
import { scaledTimeout } from "../pipeline/node-commands.js";

/** HAProxy's operational state of each server of the API servers' backend (2 is up). */
export async function backendStates(ctx: LabContext): Promise<Map<string, number>> {
  const lb = ctx.plan.api.loadBalancer;
  const states = new Map<string, number>();
  if (!lb) return states;
  const r = await exec(ctx, lb.name, ["sh", "-c", `echo "show servers state ${HAPROXY_BACKEND}" | socat stdio ${HAPROXY_SOCKET}`]);
  for (const line of r.stdout.split("\n")) {
    // be_id be_name srv_id srv_name srv_addr srv_op_state ...
    const f = line.trim().split(/\s+/);
    if (f[1] === HAPROXY_BACKEND && f[3] && f[5]) states.set(f[3], Number(f[5]));
  }
  return states;
}

/** The load balancer in front of the API servers. */
export const loadBalancer: Check = {
  id: "loadbalancer",
  title: "the load balancer reaches every API server",
  appliesTo: (plan) => plan.api.loadBalancer !== undefined,
  async run(ctx) {
    const started = Date.now();
    const lb = ctx.plan.api.loadBalancer!;
    const states = await backendStates(ctx);
    const down = ctx.plan.api.servers.filter((s) => states.get(s.name) !== 2).map((s) => s.name);
    const from = adminNode(ctx.plan).name;
    const argv = ["curl", "-fsS", "--max-time", String(scaledTimeout(3_000, ctx) / 1000), ...apiProbeTls(ctx.plan), `${ctx.plan.api.endpoint}/version`];
    const r = await exec(ctx, from, argv);
    let version = "";
    try {
      version = (JSON.parse(r.stdout) as { gitVersion?: string }).gitVersion ?? "";
    } catch {
      version = "";
    }
    const ok = down.length === 0 && r.exitCode === 0 && version !== "";
    const seen = ctx.plan.api.servers.map((s) => `${s.name} ${states.get(s.name) === 2 ? "UP" : "DOWN"}`).join(", ");
    return [
      checkResult(loadBalancer, started, {
        node: lb.name,
        status: ok ? "pass" : "fail",
        ran: `show servers state ${HAPROXY_BACKEND}; curl ${ctx.plan.api.endpoint}/version (from ${from})`,
        saw: `${seen}; through ${lb.name}: ${version || lastLines(`${r.stdout}${r.stderr}`, 1)}`,
        ...(ok ? {} : { reason: down.length ? `HAProxy sees ${down.join(", ")} down` : "no answer through the load balancer", hint: `lab logs ${ctx.plan.labName} ${lb.name} haproxy` }),
      }),
    ];
  },
};
