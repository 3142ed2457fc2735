/**
 * KVM for VM labs: whether VMs get hardware virtualisation or run under QEMU's software emulation
 * (and what that costs), and who may open /dev/kvm.
 */
import type { ProviderName } from "../config/lab-schema.js";
import { detectAcceleration, qemuBinary } from "../providers/vagrant/acceleration.js";
import {
  canOpenReadWrite,
  currentIdentity,
  describeDevice,
  deviceFacts,
  groupId,
  KVM_DEVICE,
  KVM_GROUP,
  userName,
  type DeviceFacts,
  type Identity,
} from "../providers/vagrant/kvm-device.js";
import { missingStatus, type DoctorCheck, type DoctorResult } from "./doctor-check.js";
import { findOnPath } from "./run-tool.js";

/** The user running `lab`, with a name for messages. */
export type NamedIdentity = Identity & { name: string };

/** What software emulation costs, in words. */
const EMULATION_COST = "VMs run under software emulation here (libvirt driver qemu, CPU qemu64): expect several times slower boots, and everything in them slower";

/**
 * The commands that let `who` and libvirt's QEMU (group kvm) open the device, or undefined when
 * both already can.
 */
export function kvmPermissionFix(facts: DeviceFacts, who: NamedIdentity, kvmGid: number | undefined): string | undefined {
  const kvmGroupCan = kvmGid !== undefined && canOpenReadWrite(facts, { uid: -1, gids: [kvmGid] });
  const steps: string[] = [];
  if (kvmGid === undefined) steps.push(`sudo groupadd --system ${KVM_GROUP}`);
  if (!kvmGroupCan) steps.push(`sudo chgrp ${KVM_GROUP} ${facts.path} && sudo chmod 0660 ${facts.path}`);
  if (!canOpenReadWrite(facts, who) && !(kvmGid !== undefined && who.gids.includes(kvmGid))) steps.push(`sudo usermod -aG ${KVM_GROUP} ${who.name}, then log in again`);
  if (steps.length === 0) return undefined;
  if (!kvmGroupCan) steps.push(`to keep it after a reboot, udev's rule: KERNEL=="kvm", GROUP="${KVM_GROUP}", MODE="0660"`);
  return steps.join("\n");
}

/** The verdict on /dev/kvm's permissions for `who` and for libvirt's QEMU (group kvm). */
export function kvmDeviceVerdict(facts: DeviceFacts | undefined, who: NamedIdentity, kvmGid: number | undefined): DoctorResult {
  if (!facts) return { status: "skip", detail: `there is no ${KVM_DEVICE} (see KVM above)` };
  if (!facts.charDevice) return { status: "warn", detail: `${facts.path} is not a character device: KVM cannot be used` };
  const shown = `${facts.path} is ${describeDevice(facts)}`;
  const fix = kvmPermissionFix(facts, who, kvmGid);
  const withFix = (result: DoctorResult): DoctorResult => (fix ? { ...result, fix } : result);
  if (!canOpenReadWrite(facts, who)) {
    return withFix({ status: "warn", detail: `${shown}: ${who.name} (uid ${who.uid}) cannot open it read-write, so VMs fall back to software emulation` });
  }
  if (kvmGid === undefined) return { status: "ok", detail: `${shown}: ${who.name} can open it read-write (there is no ${KVM_GROUP} group here)` };
  if (!canOpenReadWrite(facts, { uid: -1, gids: [kvmGid] })) {
    return withFix({
      status: "warn",
      detail: `${shown}: libvirt's QEMU (group ${KVM_GROUP}) cannot open it, so libvirt probes QEMU again on every call and defining a VM takes about a minute`,
    });
  }
  return { status: "ok", detail: `${shown}: ${who.name} can open it read-write, and so can group ${KVM_GROUP} (libvirt's QEMU)` };
}

/** The user running `lab`. */
async function namedIdentity(): Promise<NamedIdentity> {
  const who = currentIdentity();
  return { ...who, name: await userName(who.uid) };
}

/** The checks of KVM acceleration and of /dev/kvm's permissions, for labs of provider `inUse`. */
export function kvmChecks(inUse: ProviderName): DoctorCheck[] {
  return [
    {
      id: "kvm",
      title: "KVM",
      run: async () => {
        const qemu = qemuBinary();
        if (!(await findOnPath(qemu))) {
          return {
            status: missingStatus("vagrant", inUse),
            detail: `${qemu} is not installed: VMs cannot run${inUse === "vagrant" ? "" : " (VM labs only)"}`,
            fix: "sudo apt-get install qemu-system-x86 (Debian, Ubuntu)",
          };
        }
        const acceleration = await detectAcceleration();
        if (acceleration.driver === "kvm") return { status: "ok", detail: `KVM works: VMs get hardware virtualisation (libvirt driver kvm); ${acceleration.reason}` };
        const [facts, who, kvmGid] = await Promise.all([deviceFacts(), namedIdentity(), groupId(KVM_GROUP)]);
        const fix = facts
          ? facts.charDevice && !canOpenReadWrite(facts, who)
            ? kvmPermissionFix(facts, who, kvmGid)
            : undefined
          : "enable the CPU's virtualisation (VT-x, AMD-V) in the firmware, or nested virtualisation when this host is itself a VM, and load kvm_intel or kvm_amd";
        return { status: "warn", detail: `${EMULATION_COST}. Why: ${acceleration.reason}`, ...(fix ? { fix } : {}) };
      },
    },
    {
      id: "kvm-device",
      title: "/dev/kvm permissions",
      run: async () => {
        const [facts, who, kvmGid] = await Promise.all([deviceFacts(), namedIdentity(), groupId(KVM_GROUP)]);
        return kvmDeviceVerdict(facts, who, kvmGid);
      },
    },
  ];
}
