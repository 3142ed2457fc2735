/**
 * Step: the load balancer in front of the API servers (HAProxy), started while the control plane
 * comes up; done once a request through it reaches a healthy API server.
 */
import { certPath } from "../../render/node-layout.js";
import { run, waitFor } from "../node-commands.js";
import type { Step } from "../step.js";

/** Starts the load balancer. */
export const startLoadBalancer: Step = {
  id: "load-balancer",
  title: "Starting the load balancer",
  async run(ctx) {
    const lb = ctx.plan.api.loadBalancer;
    if (!lb) return;
    await run(ctx, lb.name, ["systemctl", "start", "haproxy"], { what: "start haproxy" });
    await waitFor(ctx, {
      step: "start the load balancer",
      node: lb.name,
      what: "an API server to answer through the load balancer",
      argv: ["curl", "-fsS", "--max-time", "2", "--cacert", certPath("ca"), `https://127.0.0.1:${ctx.plan.api.port}/healthz`],
      units: ["haproxy"],
      timeoutMs: 90_000,
      intervalMs: 250,
    });
  },
};
