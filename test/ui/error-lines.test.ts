import { describe, expect, it } from "vitest";
import type { ErrorInfo } from "../../src/pipeline/events.js";
import { errorLines } from "../../src/ui/error-lines.js";

const error: ErrorInfo = {
  message: "kubelet did not start on node2",
  hint: "Check the kubelet flags in the lab file.",
  command: "systemctl start kubelet",
  where: "node2",
  output: "Job for kubelet.service failed.\n\n",
  journal: [{ node: "node2", unit: "kubelet", lines: ["E0101 bad flag", "exiting"] }],
  stack: "Error: boom\n    at start (x.ts:1:1)",
};

describe("errorLines", () => {
  it("lists message, hint, command, output and journal, and no stack unless verbose", () => {
    expect(errorLines(error, false)).toEqual([
      { kind: "message", text: "ERROR: kubelet did not start on node2", indented: false },
      { kind: "hint", text: "hint: Check the kubelet flags in the lab file.", indented: false },
      { kind: "command", text: "command (on node2): systemctl start kubelet", indented: false },
      { kind: "output", text: "Job for kubelet.service failed.", indented: true },
      { kind: "journal-title", text: "journal of kubelet on node2:", indented: false },
      { kind: "journal", text: "E0101 bad flag", indented: true },
      { kind: "journal", text: "exiting", indented: true },
    ]);
  });

  it("adds the stack when verbose", () => {
    expect(errorLines(error, true).filter((line) => line.kind === "stack")).toEqual([
      { kind: "stack", text: "stack:", indented: false },
      { kind: "stack", text: "Error: boom", indented: true },
      { kind: "stack", text: "    at start (x.ts:1:1)", indented: true },
    ]);
  });

  it("says just `command:` when it is not known where the command ran", () => {
    expect(errorLines({ message: "m", command: "ls" }, false).map((line) => line.text)).toEqual(["ERROR: m", "command: ls"]);
  });
});
