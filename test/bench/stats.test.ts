import { describe, expect, it } from "vitest";
import { median, seconds, seriesTable } from "../../src/bench/stats.js";

describe("bench figures", () => {
  it("takes the median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(seconds(21_346)).toBe("21.35");
  });

  it("prints series as a table of medians, minima and maxima in seconds", () => {
    expect(seriesTable([{ name: "lab up", samples: [20_000, 22_000, 21_000] }, { name: "down", samples: [1_500] }])).toEqual([
      "measure  median s  min s  max s",
      "lab up      21.00  20.00  22.00",
      "down         1.50   1.50   1.50",
    ]);
  });
});
