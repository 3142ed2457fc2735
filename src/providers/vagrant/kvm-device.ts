/**
 * /dev/kvm and who may open it. Two openers matter: the user running `lab` (the acceleration
 * probe, and Vagrant's session), and libvirt's QEMU, which runs as its own user in group `kvm`.
 * When that group cannot open the device (0600 root:root, as it is without udev), libvirt probes
 * QEMU again on every call and defining a VM takes about a minute.
 */
import { readFile, stat } from "node:fs/promises";

/** Where the KVM device lives. */
export const KVM_DEVICE = "/dev/kvm";

/** The group that owns /dev/kvm where udev's rule applies (`GROUP="kvm", MODE="0660"`). */
export const KVM_GROUP = "kvm";

/** What the file system says about a device node (or any file). */
export interface DeviceFacts {
  path: string;
  /** Whether it is a character device, as /dev/kvm must be. */
  charDevice: boolean;
  /** Permission bits, e.g. 0o660. */
  mode: number;
  uid: number;
  gid: number;
  /** The owner's name, or the uid as text when it has none. */
  owner: string;
  /** The group's name, or the gid as text when it has none. */
  group: string;
}

/** A process identity whose access is in question. */
export interface Identity {
  uid: number;
  /** Primary and supplementary groups. */
  gids: readonly number[];
}

/** The facts of `path`, or undefined when it does not exist. */
export async function deviceFacts(path = KVM_DEVICE): Promise<DeviceFacts | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const [users, groups] = await Promise.all([idNames("/etc/passwd"), idNames("/etc/group")]);
  return {
    path,
    charDevice: st.isCharacterDevice(),
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    owner: users.get(st.uid) ?? String(st.uid),
    group: groups.get(st.gid) ?? String(st.gid),
  };
}

/** The identity of this process (what the kernel checks when it opens a file). */
export function currentIdentity(): Identity {
  return { uid: process.getuid?.() ?? -1, gids: [...new Set([process.getgid?.() ?? -1, ...(process.getgroups?.() ?? [])])] };
}

/** The gid of a group by name, from /etc/group; undefined when there is no such group. */
export async function groupId(name: string): Promise<number | undefined> {
  for (const [gid, group] of await idNames("/etc/group")) if (group === name) return gid;
  return undefined;
}

/** A user's name by uid, from /etc/passwd; the uid as text when it has none. */
export async function userName(uid: number): Promise<string> {
  return (await idNames("/etc/passwd")).get(uid) ?? String(uid);
}

/**
 * Whether `who` may open a file with these facts read-write, by its permission bits as the kernel
 * applies them: root always; the owner by the owner bits only; a member of the group by the group
 * bits only; anyone else by the other bits.
 */
export function canOpenReadWrite(facts: Pick<DeviceFacts, "mode" | "uid" | "gid">, who: Identity): boolean {
  if (who.uid === 0) return true;
  const rw = (shift: number): boolean => ((facts.mode >> shift) & 0o6) === 0o6;
  if (who.uid === facts.uid) return rw(6);
  if (who.gids.includes(facts.gid)) return rw(3);
  return rw(0);
}

/** "0660 root:kvm". */
export function describeDevice(facts: DeviceFacts): string {
  return `${facts.mode.toString(8).padStart(4, "0")} ${facts.owner}:${facts.group}`;
}

/** id -> name of /etc/passwd or /etc/group (an unreadable file gives none). */
async function idNames(file: string): Promise<Map<number, string>> {
  const text = await readFile(file, "utf8").catch(() => "");
  const names = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
  }
  return names;
}
