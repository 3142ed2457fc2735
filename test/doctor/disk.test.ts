/**
 * Free disk: measured per file system as df(1) measures it, locations on one file system adding
 * up their needs, and the verdict's thresholds.
 */
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { diskVerdict, measureDisk } from "../../src/doctor/disk.js";
import { scratchDir } from "../scratch-dir.js";

/** df's available MiB for a path. */
async function dfAvailableMiB(path: string): Promise<number> {
  const { stdout } = await execa("df", ["-BM", "--output=avail", path]);
  return Number(stdout.split("\n")[1]!.trim().replace(/M$/, ""));
}

describe("measureDisk", () => {
  it("groups locations by file system, measures a folder not made yet at its nearest parent, and agrees with df", async () => {
    const dir = await scratchDir("kubelab-disk-");
    const groups = await measureDisk([
      { label: "state", path: join(dir, "state", "kubelab"), needMiB: 100 },
      { label: "cache", path: dir, needMiB: 1536 },
      { label: "shm", path: "/dev/shm", needMiB: 1 },
    ]);
    expect(groups.map((g) => g.locations.map((l) => l.label))).toEqual([["state", "cache"], ["shm"]]);
    expect(Math.abs(groups[0]!.freeMiB - (await dfAvailableMiB(dir)))).toBeLessThan(64);
    expect(Math.abs(groups[1]!.freeMiB - (await dfAvailableMiB("/dev/shm")))).toBeLessThan(64);
  });
});

describe("diskVerdict", () => {
  const state = { label: "state", path: "/home/u/.local/state/kubelab", needMiB: 100 };
  const cache = { label: "cache", path: "/home/u/.cache/kubelab", needMiB: 1536 };
  const docker = { label: "Docker data root", path: "/var/lib/docker", needMiB: 2048 };

  it.each([
    [[{ locations: [state, cache], freeMiB: 3272 }], "ok"],
    [[{ locations: [state, cache], freeMiB: 3271 }], "warn"],
    [[{ locations: [state, cache], freeMiB: 1636 }], "warn"],
    [[{ locations: [state, cache], freeMiB: 1635 }], "fail"],
    [[{ locations: [state, cache], freeMiB: 50_000 }, { locations: [docker], freeMiB: 3000 }], "warn"],
    [[{ locations: [state, cache], freeMiB: 500 }, { locations: [docker], freeMiB: 3000 }], "fail"],
  ])("%j: %s", (groups, status) => {
    const verdict = diskVerdict(groups);
    expect(verdict.status).toBe(status);
    expect(verdict.fix === undefined).toBe(status === "ok");
  });

  it("names every location with its file system's free space, and the need where short", () => {
    expect(diskVerdict([{ locations: [state, cache], freeMiB: 2048 }, { locations: [docker], freeMiB: 50_000 }]).detail).toBe(
      "state /home/u/.local/state/kubelab, cache /home/u/.cache/kubelab: 2.0 GiB free (needs about 1.6 GiB); Docker data root /var/lib/docker: 48.8 GiB free",
    );
  });
});
