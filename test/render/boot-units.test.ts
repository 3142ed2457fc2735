/**
 * What a node enables at boot, and what is restarted when its files change: every service of the
 * node, and as static pods, the processes kubelet runs from the node's manifests (matched here
 * against the rendered manifests' own command lines, with the same regular expression pkill uses).
 */
import { describe, expect, it } from "vitest";
import { bootUnits, restartCommands } from "../../src/render/boot-units.js";
import { coreosSinglePlan, execStart, fakeNodeFiles, fedoraMultiPlan, haEtcdPlan, manifestFiles, podCommand, text, unitFiles } from "./lab-fixtures.js";

/** The regular expression of a `pkill -f 'RE' || true` command. */
function pkillPattern(command: string): RegExp {
  const m = /^pkill -f '([^']+)' \|\| true$/.exec(command);
  if (!m) throw new Error(`not a pkill command: ${command}`);
  return new RegExp(m[1]!);
}

describe("restartCommands", () => {
  it("restarts a static-pods node's services, and stops exactly the processes of its manifests", () => {
    const plan = coreosSinglePlan();
    const node = plan.nodes[0]!;
    const [restart, pkill, ...rest] = restartCommands(plan, node);
    expect(rest).toEqual([]);
    expect(restart).toBe(`systemctl try-restart ${bootUnits(plan, node).filter((u) => !u.startsWith("kubelab-")).join(" ")}`);
    expect(restart).toContain(" kubelet");
    const pattern = pkillPattern(pkill!);
    const files = fakeNodeFiles(plan, node);
    const manifests = manifestFiles(files);
    expect(manifests.length).toBe(4);
    for (const m of manifests) {
      const { binary, args } = podCommand(text(m));
      expect(`${binary} ${args.join(" ")}`, m.path).toMatch(pattern);
    }
    // Never a unit's process: systemd restarts those.
    for (const unit of unitFiles(files)) {
      const { binary, args } = execStart(text(unit));
      expect(`${binary} ${args.join(" ")}`, unit.path).not.toMatch(pattern);
    }
  });

  it("only restarts services where the control plane runs as units, one-shot setup units left to their steps", () => {
    for (const plan of [fedoraMultiPlan(), haEtcdPlan()]) {
      for (const node of plan.nodes) {
        const commands = restartCommands(plan, node);
        expect(commands).toHaveLength(1);
        expect(commands[0]).toMatch(/^systemctl try-restart( [a-z-]+)+$/);
        expect(commands[0]).not.toContain("kubelab-");
      }
    }
  });
});
