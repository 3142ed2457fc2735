/**
 * The list `lab up` shows when given no lab (frames asserted with ink-testing-library): every
 * lab with its description, the pointer moving with the arrow keys and j/k (wrapping around),
 * Enter choosing the lab under the pointer, and Esc, q and Ctrl-C leaving without a choice. The
 * whole thing on a real terminal, through the built CLI, is in test/cli/up-choose.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "ink-testing-library";
import { LabPicker, POINTER, type LabChoice } from "../../src/ui/ink/lab-picker.js";

const LABS: LabChoice[] = [
  { name: "coreos-single", description: "one node" },
  { name: "fedora-multi", description: "a master and workers" },
  { name: "ha-etcd" },
];

const KEYS = { up: "\u001B[A", down: "\u001B[B", enter: "\r", escape: "\u001B", ctrlC: "\u0003" };

/** Mounts the picker and records what it reports. */
function mount() {
  const chosen: string[] = [];
  let cancelled = 0;
  const view = render(<LabPicker labs={LABS} color={false} onSelect={(name) => chosen.push(name)} onCancel={() => (cancelled += 1)} />);
  return {
    chosen,
    cancelled: (): number => cancelled,
    frame: (): string => view.lastFrame() ?? "",
    /** Types keys one at a time, letting Ink read and React render each. */
    press: async (...keys: string[]): Promise<void> => {
      for (const key of keys) {
        view.stdin.write(key);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

/** The line of the frame that has the pointer. */
function pointed(frame: string): string | undefined {
  return frame.split("\n").find((line) => line.startsWith(POINTER));
}

afterEach(() => {
  cleanup();
});

describe("LabPicker", () => {
  it("lists every lab with its description, the first one pointed at", async () => {
    const picker = mount();
    await picker.press();
    expect(picker.frame()).toBe(
      [
        "Which lab? (↑/↓ move, Enter brings it up, Esc cancels)",
        `${POINTER} coreos-single  one node`,
        "  fedora-multi   a master and workers",
        "  ha-etcd",
      ].join("\n"),
    );
  });

  it("moves with the arrow keys and chooses the lab under the pointer with Enter", async () => {
    const picker = mount();
    await picker.press(KEYS.down);
    expect(pointed(picker.frame())).toBe(`${POINTER} fedora-multi   a master and workers`);
    await picker.press(KEYS.down);
    expect(pointed(picker.frame())).toBe(`${POINTER} ha-etcd`);
    await picker.press(KEYS.up);
    expect(pointed(picker.frame())).toBe(`${POINTER} fedora-multi   a master and workers`);
    expect(picker.chosen).toEqual([]);
    await picker.press(KEYS.enter);
    expect(picker.chosen).toEqual(["fedora-multi"]);
    // Only the choice stays on screen, and further keys change nothing.
    expect(picker.frame()).toBe("✓ lab: fedora-multi");
    await picker.press(KEYS.down, KEYS.enter);
    expect(picker.chosen).toEqual(["fedora-multi"]);
    expect(picker.cancelled()).toBe(0);
  });

  it("wraps around both ends, and j/k move as the arrows do", async () => {
    const picker = mount();
    await picker.press(KEYS.up);
    expect(pointed(picker.frame())).toBe(`${POINTER} ha-etcd`);
    await picker.press(KEYS.down);
    expect(pointed(picker.frame())).toBe(`${POINTER} coreos-single  one node`);
    await picker.press("j", "j", "k");
    expect(pointed(picker.frame())).toBe(`${POINTER} fedora-multi   a master and workers`);
    await picker.press(KEYS.enter);
    expect(picker.chosen).toEqual(["fedora-multi"]);
  });

  it("counts keys typed faster than it renders", async () => {
    const picker = mount();
    await picker.press(KEYS.down + KEYS.down);
    await picker.press(KEYS.enter);
    expect(picker.chosen).toEqual(["ha-etcd"]);
  });

  it.each([
    ["Esc", KEYS.escape],
    ["q", "q"],
    ["Ctrl-C", KEYS.ctrlC],
  ])("%s leaves without choosing", async (_name, key) => {
    const picker = mount();
    await picker.press(KEYS.down, key);
    expect(picker.cancelled()).toBe(1);
    expect(picker.chosen).toEqual([]);
  });
});
