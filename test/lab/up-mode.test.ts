import { describe, expect, it } from "vitest";
import type { LabState } from "../../src/lab-state.js";
import { upMode } from "../../src/lab/up-mode.js";
import type { NodeStatus } from "../../src/providers/provider.js";

const state = (over: Partial<LabState>): LabState => ({
  lab: "l",
  provider: "docker",
  labFile: "/l.yaml",
  createdAt: "",
  updatedAt: "",
  phase: "up",
  green: true,
  nodeSubnet: "172.30.0.0/24",
  ...over,
});
const node = (name: string, s: NodeStatus["state"]): NodeStatus => ({ name, id: `l-${name}`, state: s });
const planned = ["a", "b"];

describe("upMode", () => {
  it("only checks a lab that is up, green, unchanged, every node running", () => {
    expect(upMode({ previous: state({}), unchanged: true, planned, nodes: [node("a", "running"), node("b", "running")] })).toBe("check");
  });

  it("starts the nodes of a green, unchanged lab that has stopped ones (lab stop, an engine restart)", () => {
    expect(upMode({ previous: state({}), unchanged: true, planned, nodes: [node("a", "running"), node("b", "stopped")] })).toBe("resume");
    expect(upMode({ previous: state({ phase: "stopped" }), unchanged: true, planned, nodes: [node("a", "stopped"), node("b", "stopped")] })).toBe("resume");
    // Stopped, then started by hand: still waited for and checked, not taken as up.
    expect(upMode({ previous: state({ phase: "stopped" }), unchanged: true, planned, nodes: [node("a", "running"), node("b", "running")] })).toBe("resume");
  });

  it("runs every step for a new, changed, interrupted, failed or incomplete lab", () => {
    const running = [node("a", "running"), node("b", "running")];
    expect(upMode({ previous: undefined, unchanged: false, planned, nodes: [] })).toBe("full");
    expect(upMode({ previous: state({}), unchanged: false, planned, nodes: running })).toBe("full");
    expect(upMode({ previous: state({ phase: "creating", green: false }), unchanged: true, planned, nodes: running })).toBe("full");
    expect(upMode({ previous: state({ phase: "failed", green: false }), unchanged: true, planned, nodes: running })).toBe("full");
    expect(upMode({ previous: state({}), unchanged: true, planned, nodes: [node("a", "running")] })).toBe("full");
    expect(upMode({ previous: state({}), unchanged: true, planned, nodes: [node("a", "running"), node("b", "other")] })).toBe("full");
  });
});
