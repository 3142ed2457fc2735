/**
 * /dev/kvm facts and the permission rule, on real files: the rule's verdict for an identity is
 * compared with what the kernel says when a process with that identity opens the file.
 */
import { spawnSync } from "node:child_process";
import { chmod, chown, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { canOpenReadWrite, currentIdentity, describeDevice, deviceFacts, groupId, type Identity } from "../../../src/providers/vagrant/kvm-device.js";
import { scratchDir } from "../../scratch-dir.js";

const isRoot = process.getuid?.() === 0;

/** Whether the kernel lets a process with `who`'s uid and gid (no other groups) open `path` read-write. */
function kernelSays(path: string, who: { uid: number; gid: number }): boolean {
  const r = spawnSync("sh", ["-c", 'exec 3<>"$0"', path], { uid: who.uid, gid: who.gid, stdio: "ignore" });
  return r.status === 0;
}

describe("deviceFacts", () => {
  it("reads a real character device: /dev/null is 0666 root:root", async () => {
    const facts = await deviceFacts("/dev/null");
    expect(facts).toMatchObject({ path: "/dev/null", charDevice: true, mode: 0o666, uid: 0, owner: "root" });
    expect(describeDevice(facts!)).toBe("0666 root:root");
  });

  it("says a regular file is not a character device, and a missing path is undefined", async () => {
    const dir = await scratchDir("kubelab-kvm-");
    await writeFile(join(dir, "kvm"), "");
    expect((await deviceFacts(join(dir, "kvm")))?.charDevice).toBe(false);
    expect(await deviceFacts(join(dir, "missing"))).toBeUndefined();
  });

  it("reads this machine's /dev/kvm as stat(1) does", async () => {
    const facts = await deviceFacts();
    const { stdout } = await execa("stat", ["-c", "%F %a %U %G", "/dev/kvm"]);
    expect(facts?.charDevice).toBe(true);
    expect(`character special file ${facts!.mode.toString(8)} ${facts!.owner} ${facts!.group}`).toBe(stdout);
  });

  it("finds group ids by name in /etc/group", async () => {
    expect(await groupId("root")).toBe(0);
    expect(await groupId("no-such-group-kubelab")).toBeUndefined();
  });

  it("gives this process's identity", () => {
    const who = currentIdentity();
    expect(who.uid).toBe(process.getuid?.());
    expect(who.gids).toContain(process.getgid?.());
  });
});

describe.skipIf(!isRoot)("canOpenReadWrite agrees with the kernel (needs root to set owners and switch users)", () => {
  const owner = { uid: 23001, gid: 23001 };
  const member = { uid: 23002, gid: 23101 }; // in the file's group
  const other = { uid: 23003, gid: 23003 };
  let file: string;

  beforeAll(async () => {
    const dir = await scratchDir("kubelab-kvm-perm-");
    await chmod(dir, 0o755);
    file = join(dir, "kvm");
    await writeFile(file, "");
    await chown(file, owner.uid, member.gid);
  });

  const cases: [mode: number, owner: boolean, member: boolean, other: boolean][] = [
    [0o600, true, false, false],
    [0o660, true, true, false],
    [0o606, true, false, true],
    [0o666, true, true, true],
    [0o060, false, true, false], // the owner is judged by the owner bits only
    [0o006, false, false, true], // and a group member by the group bits only
    [0o640, true, false, false], // read alone is not enough
  ];

  it.each(cases)("mode %o: owner %s, group member %s, other %s", async (mode, ownerCan, memberCan, otherCan) => {
    await chmod(file, mode);
    const facts = (await deviceFacts(file))!;
    expect(facts.mode).toBe(mode);
    expect(facts.uid).toBe(owner.uid);
    expect(facts.gid).toBe(member.gid);
    for (const [who, expected] of [
      [owner, ownerCan],
      [member, memberCan],
      [other, otherCan],
    ] as const) {
      const identity: Identity = { uid: who.uid, gids: [who.gid] };
      expect(canOpenReadWrite(facts, identity)).toBe(expected);
      expect(kernelSays(file, who)).toBe(expected);
    }
    expect(canOpenReadWrite(facts, { uid: 0, gids: [0] })).toBe(true);
  });
});
