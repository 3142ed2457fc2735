import { describe, expect, it } from "vitest";
import { LabFileError, formatProblem, type Problem } from "../../src/config/problem.js";
import { UserError } from "../../src/errors.js";

const outside: Problem = {
  file: "labs/x.yaml",
  line: 12,
  col: 9,
  path: ["nodes", 1, "ip"],
  severity: "error",
  message: "node IP 10.0.0.5 is outside the node subnet 172.30.0.0/24",
  hint: 'pick an address inside 172.30.0.0/24, or leave "ip" out to have one assigned',
};

describe("formatProblem", () => {
  it("prints file:line:col, the severity, the message and the hint on an indented line", () => {
    expect(formatProblem(outside)).toBe(
      "labs/x.yaml:12:9: error: node IP 10.0.0.5 is outside the node subnet 172.30.0.0/24\n" +
        '  hint: pick an address inside 172.30.0.0/24, or leave "ip" out to have one assigned',
    );
  });

  it("prints one line when there is no hint", () => {
    const problem: Problem = { file: "a.yaml", line: 1, col: 2, path: [], severity: "warning", message: "something" };
    expect(formatProblem(problem)).toBe("a.yaml:1:2: warning: something");
  });
});

describe("LabFileError", () => {
  it("is a UserError with exit code 2 carrying every problem", () => {
    const warning: Problem = { ...outside, severity: "warning", message: "a warning" };
    const error = new LabFileError("labs/x.yaml", [outside, warning]);
    expect(error).toBeInstanceOf(UserError);
    expect(error.name).toBe("LabFileError");
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe("failed to load lab file labs/x.yaml: 2 problems");
    expect(error.problems).toEqual([outside, warning]);
  });

  it("counts a single problem in the singular", () => {
    expect(new LabFileError("a.yaml", [outside]).message).toBe("failed to load lab file a.yaml: 1 problem");
  });
});
