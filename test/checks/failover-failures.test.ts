/**
 * The API server failover drill's account of failed requests: the request loop's "fail" lines,
 * counted by kind (curl's exit code in words, or the HTTP status) with when they came, so that a
 * failed drill says why its requests failed.
 */
import { describe, expect, it } from "vitest";
import { describeFailures } from "../../src/checks/failover-drills.js";

describe("describeFailures", () => {
  it("is empty when no request failed", () => {
    expect(describeFailures("done 136 0\n")).toBe("");
  });

  it("counts failures by kind, in the order first seen, with the span they came in", () => {
    const output = ["fail 2100 52 000", "fail 2180 52 000", "fail 2250 0 500", "fail 2900 28 000", "fail 3050 52 000", "done 129 5"].join("\n");
    expect(describeFailures(output)).toBe("3× empty reply, 1× HTTP 500, 1× timed out after 2s, from 2.1s to 3.0s into the window");
  });

  it("names an exit code it has no words for by its number, and a single failure by its moment", () => {
    expect(describeFailures("fail 400 60 000\ndone 130 1\n")).toBe("1× curl exit code 60, at 0.4s into the window");
  });
});
