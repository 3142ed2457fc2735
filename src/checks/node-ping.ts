/**
 * Check: every node reaches every other node by name (from /etc/hosts), with ping.
 */
import { exec, lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

/** Node-to-node ping by name. */
export const nodePing: Check = {
  id: "node-ping",
  title: "nodes ping each other by name",
  appliesTo: (plan) => plan.nodes.length > 1,
  async run(ctx) {
    return Promise.all(
      ctx.plan.nodes.map(async (node) => {
        const started = Date.now();
        const others = ctx.plan.nodes.filter((n) => n.name !== node.name);
        const outcomes = await Promise.all(
          others.map(async (other) => {
            const r = await exec(ctx, node.name, ["ping", "-c", "1", "-W", "2", other.name]);
            const resolved = r.stdout.match(/^PING \S+ \(([\d.]+)\)/m)?.[1];
            return { other, ok: r.exitCode === 0 && resolved === other.ip, resolved, out: lastLines(`${r.stdout}${r.stderr}`, 2) };
          }),
        );
        const bad = outcomes.filter((o) => !o.ok);
        return checkResult(nodePing, started, {
          node: node.name,
          status: bad.length === 0 ? "pass" : "fail",
          ran: `ping -c 1 -W 2 ${others.map((o) => o.name).join(" / ")}`,
          saw: outcomes.map((o) => `${o.other.name}=${o.resolved ?? "?"} ${o.ok ? "ok" : "failed"}`).join(", "),
          ...(bad.length ? { reason: bad.map((o) => `${o.other.name}: ${o.out.replace(/\n/g, " ")}`).join("; "), hint: "each node's /etc/hosts should list every node (kubelab-hosts.service)" } : {}),
        });
      }),
    );
  },
};
