/**
 * Step: the load balancer in front of the API servers (HAProxy), started while the control plane
 * comes up; done once a request through it reaches a healthy API server.
 */
import type { Plan } from "../../plan/plan.js";
import { apiProbeTls } from "../../render/api-probe.js";
import { run, waitFor } from "../node-commands.js";
import { commandAction, waitAction } from "../explanation.js";
import type { Step } from "../step.js";

const LB_TIMEOUT_MS = 90_000;

/** An API server's health check through the load balancer, from its own node. */
function lbHealthArgv(plan: Plan): string[] {
  return ["curl", "-fsS", "--max-time", "2", ...apiProbeTls(plan), `https://127.0.0.1:${plan.api.port}/healthz`];
}

/** Starts the load balancer. */
export const startLoadBalancer: Step = {
  id: "load-balancer",
  title: "Starting the load balancer",
  explain: (plan) => {
    const lb = plan.api.loadBalancer;
    return {
      what: lb
        ? `HAProxy on ${lb.name} passes TCP connections to port ${plan.api.port} on to every API server and takes one out while its health check fails: clients use ${plan.api.endpoint}.`
        : "This lab has no load balancer: clients talk to its API server directly.",
      actions: lb
        ? [
            commandAction(lb.name, ["systemctl", "start", "haproxy"], "start haproxy"),
            waitAction(lb.name, lbHealthArgv(plan), LB_TIMEOUT_MS, "until an API server answers through it"),
          ]
        : [],
    };
  },
  async run(ctx) {
    const lb = ctx.plan.api.loadBalancer;
    if (!lb) return;
    await run(ctx, lb.name, ["systemctl", "start", "haproxy"], { what: "start haproxy" });
    await waitFor(ctx, {
      step: "start the load balancer",
      node: lb.name,
      what: "an API server to answer through the load balancer",
      argv: lbHealthArgv(ctx.plan),
      units: ["haproxy"],
      timeoutMs: LB_TIMEOUT_MS,
      intervalMs: 250,
    });
  },
};
