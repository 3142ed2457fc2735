/**
 * The render fingerprint: the same plan always gives the same one, and a difference in what the
 * nodes would get (another node, another subnet) gives another.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseLab } from "../../src/config/load-lab.js";
import { renderFingerprint } from "../../src/lab/render-fingerprint.js";
import { planLab, type Plan } from "../../src/plan/plan.js";
import { packagePath } from "../../src/package-root.js";

function planOf(name: string, options: { scale?: Record<string, number>; nodeSubnet?: string } = {}): Plan {
  const file = packagePath("labs", `${name}.yaml`);
  const { lab } = parseLab(readFileSync(file, "utf8"), file, { scale: options.scale ?? {} });
  if (!lab) throw new Error(`bug: ${file} does not load`);
  return planLab({ ...lab, network: { ...lab.network, nodeSubnet: options.nodeSubnet ?? lab.network.nodeSubnet ?? "172.30.0.0/24" } });
}

describe("renderFingerprint", () => {
  it("is the same for the same plan, and differs between labs", () => {
    for (const name of ["coreos-single", "fedora-multi", "ha-etcd"]) {
      expect(renderFingerprint(planOf(name))).toMatch(/^[0-9a-f]{64}$/);
      expect(renderFingerprint(planOf(name))).toBe(renderFingerprint(planOf(name)));
    }
    expect(renderFingerprint(planOf("coreos-single"))).not.toBe(renderFingerprint(planOf("fedora-multi")));
  });

  it("changes with what a node gets: one more worker, another node subnet", () => {
    const base = renderFingerprint(planOf("fedora-multi"));
    expect(renderFingerprint(planOf("fedora-multi", { scale: { "fed-node": 3 } }))).not.toBe(base);
    expect(renderFingerprint(planOf("fedora-multi", { nodeSubnet: "172.30.9.0/24" }))).not.toBe(base);
  });
});
