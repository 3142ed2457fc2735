/**
 * The KVM checks: the /dev/kvm verdict and its fix on real files' facts (owners and modes set as
 * udev and a bare /dev leave them), and the checks on this machine, where KVM does not work.
 */
import { chmod, chown, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { kvmChecks, kvmDeviceVerdict, kvmPermissionFix, type NamedIdentity } from "../../src/doctor/kvm.js";
import { deviceFacts, type DeviceFacts } from "../../src/providers/vagrant/kvm-device.js";
import { scratchDir } from "../scratch-dir.js";

const KVM_GID = 108;
const root: NamedIdentity = { uid: 0, gids: [0], name: "root" };
const alice: NamedIdentity = { uid: 1000, gids: [1000], name: "alice" };
const aliceInKvm: NamedIdentity = { uid: 1000, gids: [1000, KVM_GID], name: "alice" };

describe.skipIf(process.getuid?.() !== 0)("kvmDeviceVerdict on real file facts (needs root to set owners)", () => {
  let dir: string;
  /** A file with this owner, group and mode, as the doctor reads it (a character device only matters for the flag). */
  const device = async (mode: number, gid: number): Promise<DeviceFacts> => {
    const path = join(dir, `kvm-${mode.toString(8)}-${gid}`);
    await writeFile(path, "");
    await chown(path, 0, gid);
    await chmod(path, mode);
    return { ...(await deviceFacts(path))!, charDevice: true };
  };

  beforeAll(async () => {
    dir = await scratchDir("kubelab-kvm-verdict-");
  });

  it("0600 root:root (no udev): root can open it but libvirt's QEMU cannot, which makes libvirt slow", async () => {
    const facts = await device(0o600, 0);
    const verdict = kvmDeviceVerdict(facts, root, KVM_GID);
    expect(verdict.status).toBe("warn");
    expect(verdict.detail).toMatch(/is 0600 root:root: libvirt's QEMU \(group kvm\) cannot open it, so libvirt probes QEMU again on every call/);
    expect(verdict.fix).toBe(`sudo chgrp kvm ${facts.path} && sudo chmod 0660 ${facts.path}\nto keep it after a reboot, udev's rule: KERNEL=="kvm", GROUP="kvm", MODE="0660"`);
  });

  it("0600 root:root for a user: neither can, and the user must join the group too", async () => {
    const facts = await device(0o600, 0);
    const verdict = kvmDeviceVerdict(facts, alice, KVM_GID);
    expect(verdict).toMatchObject({ status: "warn", detail: expect.stringMatching(/: alice \(uid 1000\) cannot open it read-write, so VMs fall back to software emulation$/) });
    expect(verdict.fix?.split("\n").slice(0, 2)).toEqual([`sudo chgrp kvm ${facts.path} && sudo chmod 0660 ${facts.path}`, "sudo usermod -aG kvm alice, then log in again"]);
  });

  it("0660 root:kvm (udev's rule): a user outside the group needs only to join it", async () => {
    const facts = await device(0o660, KVM_GID);
    expect(kvmDeviceVerdict(facts, alice, KVM_GID)).toMatchObject({ status: "warn", fix: "sudo usermod -aG kvm alice, then log in again" });
    expect(kvmDeviceVerdict(facts, aliceInKvm, KVM_GID)).toEqual({
      status: "ok",
      detail: `${facts.path} is 0660 root:${facts.group}: alice can open it read-write, and so can group kvm (libvirt's QEMU)`,
    });
    expect(kvmPermissionFix(facts, aliceInKvm, KVM_GID)).toBeUndefined();
  });

  it("0666 (some distributions): everyone can", async () => {
    expect(kvmDeviceVerdict(await device(0o666, 0), alice, KVM_GID).status).toBe("ok");
  });

  it("no kvm group at all: it is made first", async () => {
    const facts = await device(0o600, 0);
    expect(kvmPermissionFix(facts, alice, undefined)?.split("\n")[0]).toBe("sudo groupadd --system kvm");
    expect(kvmDeviceVerdict(await device(0o666, 0), alice, undefined)).toMatchObject({ status: "ok", detail: expect.stringMatching(/there is no kvm group here/) });
  });

  it("a file that is not a character device, and no device at all", async () => {
    expect(kvmDeviceVerdict({ ...(await device(0o660, KVM_GID)), charDevice: false }, root, KVM_GID).status).toBe("warn");
    expect(kvmDeviceVerdict(undefined, root, KVM_GID)).toEqual({ status: "skip", detail: "there is no /dev/kvm (see KVM above)" });
  });
});

describe("the KVM checks on this machine", () => {
  it("say VMs run under software emulation and what that costs, with QEMU's reason", async () => {
    const [kvm] = kvmChecks("vagrant");
    const result = await kvm!.run();
    expect(result.status).toBe("warn");
    expect(result.detail).toMatch(/^VMs run under software emulation here \(libvirt driver qemu, CPU qemu64\): expect several times slower boots.*\. Why: qemu could not use KVM: /);
  });

  it.skipIf(process.getuid?.() !== 0)("judge /dev/kvm as it is, for root", async () => {
    const [, device] = kvmChecks("docker");
    const facts = (await deviceFacts())!;
    const result = await device!.run();
    expect(result.detail.startsWith(`/dev/kvm is ${facts.mode.toString(8).padStart(4, "0")} ${facts.owner}:${facts.group}: `)).toBe(true);
    // root opens anything; then only the group matters.
    expect(result.status).toBe(facts.group === "kvm" && (facts.mode & 0o060) === 0o060 ? "ok" : "warn");
  });
});
