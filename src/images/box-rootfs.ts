/**
 * From a container's files to a VM's root filesystem: what the engine leaves in an exported
 * container that a VM must not see, the files it fills in at run time that a VM must have, and the
 * kernel and initrd, which the box ships beside its disk.
 */
import { copyFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BOX_FILES } from "./box-files.js";

/** /etc/hosts of the box. The hostname itself resolves through nss-myhostname, whatever it is set to. */
const HOSTS = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

/** The one file of /boot whose name starts with `prefix` (vmlinuz-6.1.0-..., initrd.img-6.1.0-...). */
async function bootFile(rootfs: string, prefix: string): Promise<string> {
  const found = (await readdir(join(rootfs, "boot"))).filter((f) => f.startsWith(`${prefix}-`));
  if (found.length !== 1) throw new Error(`bug: the box's /boot holds ${found.length} ${prefix} files (${found.join(", ")}), expected one`);
  return join(rootfs, "boot", found[0]!);
}

/** Makes the unpacked files under `rootfs` a VM's root, and copies the kernel and initrd into `boxDir`. */
export async function prepareBoxRootfs(rootfs: string, boxDir: string): Promise<void> {
  // The engine's marks and mount points: /.dockerenv would make systemd believe it runs in a
  // container, and the kernel mounts its own /dev.
  await rm(join(rootfs, ".dockerenv"), { force: true });
  for (const entry of await readdir(join(rootfs, "dev"))) await rm(join(rootfs, "dev", entry), { recursive: true, force: true });

  // The engine bind-mounts these into containers, so the image's copies are empty placeholders.
  // DNS comes from systemd-resolved, which learns the servers by DHCP; the file lists them
  // rather than resolved's 127.0.0.53 stub, so pods (whose DNS forwards to it) reach them too.
  for (const file of ["hostname", "hosts", "resolv.conf"]) await rm(join(rootfs, "etc", file), { force: true });
  await writeFile(join(rootfs, "etc", "hostname"), "kubelab\n", { mode: 0o644 });
  await writeFile(join(rootfs, "etc", "hosts"), HOSTS, { mode: 0o644 });
  await symlink("../run/systemd/resolve/resolv.conf", join(rootfs, "etc", "resolv.conf"));

  await copyFile(await bootFile(rootfs, "vmlinuz"), join(boxDir, BOX_FILES.kernel));
  await copyFile(await bootFile(rootfs, "initrd.img"), join(boxDir, BOX_FILES.initrd));
}
