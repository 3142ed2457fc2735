import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/pipeline/events.js";
import {
  checkDetail,
  checkLabel,
  firstLine,
  formatCheckCounts,
  formatDuration,
  formatOutcome,
  formatProgress,
  taskLabel,
} from "../../src/ui/format.js";

const result = (status: CheckResult["status"], extra: Partial<CheckResult> = {}): CheckResult => ({
  check: "etcd-health",
  title: "etcd is healthy",
  status,
  ran: "etcdctl endpoint health",
  saw: "",
  durationMs: 10,
  ...extra,
});

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [-5, "0ms"],
    [Number.NaN, "0ms"],
    [850, "850ms"],
    [999.4, "999ms"],
    [999.6, "1.0s"],
    [1200, "1.2s"],
    [1249, "1.2s"],
    [59_940, "59.9s"],
    [59_960, "1m00s"],
    [65_000, "1m05s"],
    [600_000, "10m00s"],
    [3_725_000, "1h02m05s"],
  ])("%s ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("firstLine", () => {
  it("returns the first non-blank line, trimmed", () => {
    expect(firstLine("\n  \n  healthy: true  \nsecond")).toBe("healthy: true");
    expect(firstLine("a\r\nb")).toBe("a");
    expect(firstLine("   ")).toBe("");
  });
});

describe("check labels and counts", () => {
  it("labels each status", () => {
    expect(checkLabel("pass")).toBe("PASS");
    expect(checkLabel("fail")).toBe("FAIL");
    expect(checkLabel("not-run")).toBe("NOT RUN");
  });

  it("shows what was seen, or why a check did not run", () => {
    expect(checkDetail(result("pass", { saw: "ok\nmore" }))).toBe("ok");
    expect(checkDetail(result("fail", { saw: "unhealthy", reason: "timeout" }))).toBe("unhealthy");
    expect(checkDetail(result("not-run", { saw: "", reason: "no etcd on this node" }))).toBe("no etcd on this node");
  });

  it("counts not-run checks apart from passed ones", () => {
    const all = [result("pass"), result("pass"), result("pass"), result("pass"), result("fail"), result("not-run")];
    expect(formatCheckCounts(all)).toBe("4 passed, 1 failed, 1 not run");
    expect(formatCheckCounts([result("not-run")])).toBe("0 passed, 1 not run");
    expect(formatCheckCounts([result("pass")])).toBe("1 passed");
  });
});

describe("progress, outcome and task labels", () => {
  it("formats progress with its node and counter", () => {
    expect(formatProgress({ message: "pulling images" })).toBe("pulling images");
    expect(formatProgress({ node: "node1", message: "pulling images", done: 3, total: 5 })).toBe("node1: pulling images (3/5)");
  });

  it("formats the outcome of a run", () => {
    expect(formatOutcome("ok", 65_000)).toBe("done in 1m05s");
    expect(formatOutcome("failed", 3400)).toBe("failed after 3.4s");
  });

  it("labels a task by node and title", () => {
    expect(taskLabel({ node: "node1" })).toBe("node1");
    expect(taskLabel({ node: "node1", title: "kubelet" })).toBe("node1: kubelet");
  });
});
