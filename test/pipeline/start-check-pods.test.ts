/**
 * The check-pods step of a lab coming back, as `lab explain`-style actions: it waits on the admin
 * node until the API server answers, then applies the pods of exactly the lab's pod checks.
 */
import { describe, expect, it } from "vitest";
import { CHECKS } from "../../src/checks/registry.js";
import { startCheckPods } from "../../src/pipeline/steps/start-check-pods.js";
import { coreosSinglePlan } from "../render/lab-fixtures.js";

describe("startCheckPods", () => {
  it("waits for the API server to answer, then applies the pods of each pod check the lab runs", () => {
    const plan = coreosSinglePlan();
    const { actions } = startCheckPods.explain(plan);
    const podChecks = plan.checks.filter((id) => CHECKS[id].pods !== undefined && CHECKS[id].appliesTo(plan));
    expect([...podChecks].sort()).toEqual(["cluster-ip-service", "pod-logs"]);
    expect(actions[0]).toMatchObject({ node: "core1", untilMs: 90_000 });
    expect(actions[0]!.command).toContain(`https://127.0.0.1:${plan.api.port}/version`);
    expect(actions.slice(1).map((a) => [a.node, a.note])).toEqual(podChecks.map((id) => ["core1", `the pods of ${id}`]));
  });

  it("does nothing in a lab without pod checks", () => {
    const plan = { ...coreosSinglePlan(), checks: ["etcd-health" as const] };
    expect(startCheckPods.explain(plan).actions).toEqual([]);
  });
});
