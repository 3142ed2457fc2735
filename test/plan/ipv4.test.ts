import { describe, expect, it } from "vitest";
import { addressAt, cidrProblem, contains, isIPv4, overlaps, subnetAt, subnetCount } from "../../src/plan/ipv4.js";

describe("ipv4", () => {
  it.each([
    ["10.0.0.1", true],
    ["255.255.255.255", true],
    ["172.30.0.300", false],
    ["10.0.0", false],
    ["10.0.0.1/24", false],
    ["::1", false],
  ])("isIPv4(%s) is %s", (text, expected) => expect(isIPv4(text)).toBe(expected));

  it.each([
    ["10.244.0.0/16", undefined],
    ["10.244.1.0/16", 'has host bits set: the network is 10.244.0.0/16'],
    ["10.300.0.0/16", "is not an IPv4 network"],
    ["10.0.0.0", "is not an IPv4 network"],
    ["10.0.0.0/33", "is not an IPv4 network"],
  ])("cidrProblem(%s)", (text, fragment) => {
    const problem = cidrProblem(text);
    if (fragment === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(fragment);
  });

  it("does address arithmetic", () => {
    expect(addressAt("10.3.0.0/24", 1)).toBe("10.3.0.1");
    expect(() => addressAt("10.3.0.0/30", 4)).toThrow(RangeError);
    expect(subnetAt("10.244.0.0/16", 24, 3)).toBe("10.244.3.0/24");
    expect(() => subnetAt("10.244.0.0/23", 24, 2)).toThrow(RangeError);
    expect(subnetCount("10.244.0.0/16", 24)).toBe(256);
    expect(contains("10.3.0.0/24", "10.3.0.10")).toBe(true);
    expect(contains("10.3.0.0/24", "10.4.0.10")).toBe(false);
    expect(overlaps("10.0.0.0/8", "10.3.0.0/24")).toBe(true);
    expect(overlaps("10.0.0.0/16", "10.1.0.0/16")).toBe(false);
  });
});
