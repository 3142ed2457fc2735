import { describe, expect, it } from "vitest";
import { pickNodeSubnet } from "../../src/lab/pick-subnet.js";

describe("pickNodeSubnet", () => {
  it("takes the first free /24 of the pool", () => {
    expect(pickNodeSubnet([])).toBe("172.30.0.0/24");
    expect(pickNodeSubnet(["172.30.0.0/24", "172.30.1.0/24"])).toBe("172.30.2.0/24");
  });

  it("skips anything overlapping, whatever its size", () => {
    expect(pickNodeSubnet(["172.30.0.0/22", "10.0.0.0/8"])).toBe("172.30.4.0/24");
    expect(pickNodeSubnet(["172.30.0.0/16"])).toBe("172.31.0.0/24");
  });

  it("fails with a hint when the pool is exhausted", () => {
    expect(() => pickNodeSubnet(["172.16.0.0/12"])).toThrow(/every \/24 of 172\.30\.0\.0\/15 is in use/);
  });
});
