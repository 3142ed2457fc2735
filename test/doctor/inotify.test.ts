/**
 * inotify limits: read from /proc as sysctl reads them, and judged against kind's recommendation
 * with a fix that is a sysctl command to run by hand.
 */
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { inotifyVerdict, readInotifyLimits } from "../../src/doctor/inotify.js";

describe("inotify limits", () => {
  it("reads the values sysctl -n gives", async () => {
    const { stdout } = await execa("sysctl", ["-n", "fs.inotify.max_user_watches", "fs.inotify.max_user_instances"]);
    const [watches, instances] = stdout.split("\n").map(Number);
    expect(await readInotifyLimits()).toEqual({ max_user_watches: watches, max_user_instances: instances });
  });

  it.each([
    [{ max_user_watches: 524288, max_user_instances: 512 }, "ok", undefined],
    [{ max_user_watches: 1048576, max_user_instances: 8192 }, "ok", undefined],
    [{ max_user_watches: 524287, max_user_instances: 512 }, "warn", "sudo sysctl -w fs.inotify.max_user_watches=524288"],
    [{ max_user_watches: 524288, max_user_instances: 128 }, "warn", "sudo sysctl -w fs.inotify.max_user_instances=512"],
    [{ max_user_watches: 8192, max_user_instances: 128 }, "warn", "sudo sysctl -w fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512"],
  ])("%j is %s", (limits, status, command) => {
    const verdict = inotifyVerdict(limits);
    expect(verdict.status).toBe(status);
    expect(verdict.fix?.split("\n")[0]).toBe(command);
    if (command) expect(verdict.fix).toMatch(/sudo tee \/etc\/sysctl\.d\/99-inotify\.conf$/);
  });

  it("names each low limit and the minimum it is below", () => {
    expect(inotifyVerdict({ max_user_watches: 192536, max_user_instances: 128 }).detail).toBe(
      'max_user_watches 192536 is below 524288, max_user_instances 128 is below 512: nodes of bigger labs may fail with "too many open files"',
    );
  });
});
