/**
 * `lab image build --box`, for real: the box is built here from the node image (built first when
 * missing) into a Vagrant home of its own, and then taken apart with the tools an administrator
 * would use: metadata.json read back, the kernel's boot header, the initrd's file list, `qemu-img
 * info` on the disk, debugfs on its filesystem, `vagrant box list` and `vagrant validate`.
 *
 * Needs root, a Docker engine, mkfs.ext4, qemu-img, debugfs and vagrant; without them it is
 * skipped with a message saying so, and with KUBELAB_E2E=required it fails. The first build of a
 * node image takes minutes; the box's own build about one.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Docker from "dockerode";
import { execa } from "execa";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOX_DISK_GIB, BOX_FILES } from "../../src/images/box-files.js";
import { hasImage } from "../../src/images/docker-engine.js";
import { boxBuildImageName, NODE_BOX_PREFIX } from "../../src/images/image-names.js";
import { currentNodeBox, ensureNodeBox, type NodeBoxReport } from "../../src/images/node-box.js";
import { failWhenMissing, missingCommand, skipUnlessAvailable } from "../render/real-tools.js";

const SUITE = "lab image build --box (builds a real box)";
const docker = new Docker();

/** Why the suite cannot run here. */
async function blockers(): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("building the box needs root (it keeps the owners of the node image's files)");
  try {
    await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 3000))]);
  } catch {
    missing.push("no Docker engine is reachable");
  }
  for (const [command, args] of [
    ["mkfs.ext4", ["-V"]],
    ["debugfs", ["-V"]],
    ["qemu-img", ["--version"]],
    ["vagrant", ["--version"]],
  ] as const) {
    missing.push(...(await missingCommand(command, args)));
  }
  return missing;
}
const missing = await blockers();

/** File names in a newc cpio archive (an initramfs). */
function cpioNames(archive: Buffer): string[] {
  const names: string[] = [];
  const pad4 = (n: number): number => (n + 3) & ~3;
  let at = 0;
  while (at + 110 <= archive.length && archive.toString("latin1", at, at + 6) === "070701") {
    // After the magic, 13 fields of 8 hex digits; the 7th is the data's size, the 12th the name's.
    const field = (index: number): number => parseInt(archive.toString("latin1", at + 6 + index * 8, at + 14 + index * 8), 16);
    const name = archive.toString("latin1", at + 110, at + 110 + field(11) - 1);
    if (name === "TRAILER!!!") break;
    names.push(name);
    at = pad4(pad4(at + 110 + field(11)) + field(6));
  }
  return names;
}

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  const previousVagrantHome = process.env.VAGRANT_HOME;
  let home: string;
  let vagrantHome: string;
  let workDir: string;
  let raw: string;
  let report: NodeBoxReport;
  const progress: string[] = [];

  /** `vagrant ...` in this suite's own Vagrant home. */
  const vagrant = (args: string[], cwd?: string) =>
    execa("vagrant", args, { cwd, reject: false, env: { VAGRANT_HOME: vagrantHome, VAGRANT_CHECKPOINT_DISABLE: "1" }, timeout: 120_000 });

  /** Adds a real, empty libvirt box (a 1 GiB qcow2 disk with nothing on it) under `name`. */
  async function addEmptyBox(name: string): Promise<void> {
    const dir = await mkdtemp(join(home, "empty-box-"));
    await writeFile(join(dir, "metadata.json"), JSON.stringify({ provider: "libvirt", format: "qcow2", virtual_size: 1 }));
    await execa("qemu-img", ["create", "-q", "-f", "qcow2", join(dir, "box.img"), "1G"]);
    await execa("tar", ["-cf", join(dir, "empty.box"), "-C", dir, "metadata.json", "box.img"]);
    const added = await vagrant(["box", "add", "--name", name, join(dir, "empty.box")]);
    expect(added.exitCode, added.stderr).toBe(0);
  }

  /** Runs one debugfs request against the box's filesystem: [stdout, stderr]. */
  async function debugfs(request: string): Promise<[string, string]> {
    const r = await execa("debugfs", ["-R", request, raw]);
    return [r.stdout, r.stderr];
  }

  /** debugfs's `stat` of a path, or undefined when the filesystem has no such path. */
  async function inode(path: string): Promise<{ type: string; mode: string; user: number; size: number; link?: string } | undefined> {
    const [out, err] = await debugfs(`stat ${path}`);
    if (err.includes("File not found")) return undefined;
    const link = /Fast link dest: "(.*)"/.exec(out)?.[1];
    return {
      type: /Type: (\S+)/.exec(out)![1]!,
      mode: /Mode:\s+(\d+)/.exec(out)![1]!,
      user: Number(/User:\s+(\d+)/.exec(out)![1]),
      size: Number(/Size: (\d+)/.exec(out)![1]),
      ...(link === undefined ? {} : { link }),
    };
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "kubelab-box-"));
    vagrantHome = join(home, "vagrant.d");
    workDir = join(home, "build");
    await mkdir(vagrantHome);
    process.env.VAGRANT_HOME = vagrantHome;
    await addEmptyBox("kubelab/node-000000000000");
    await addEmptyBox("someone/else");

    report = await ensureNodeBox({ docker, workDir, onProgress: (line) => progress.push(line) });

    raw = join(home, "root.img");
    await execa("qemu-img", ["convert", "-f", "qcow2", "-O", "raw", join(report.boxDir, BOX_FILES.disk), raw]);
  }, 1_800_000);

  afterAll(async () => {
    if (previousVagrantHome === undefined) delete process.env.VAGRANT_HOME;
    else process.env.VAGRANT_HOME = previousVagrantHome;
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("builds the box of the current recipes into the user's Vagrant home", async () => {
    expect(report.built).toBe(true);
    expect(report.box).toBe(await currentNodeBox());
    expect(report.box).toMatch(/^kubelab\/node-[0-9a-f]{12}$/);
    expect(report.boxDir).toBe(join(vagrantHome, "boxes", report.box.replace("/", "-VAGRANTSLASH-"), "0", "libvirt"));
    const files = await readdir(report.boxDir);
    expect(files.sort()).toEqual(Object.values(BOX_FILES).sort());
    const sizes = await Promise.all(files.map(async (f) => (await stat(join(report.boxDir, f))).size));
    expect(report.sizeBytes).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(progress.some((line) => line.startsWith(`adding the box ${report.box} to Vagrant`))).toBe(true);
  });

  it("removes the boxes of earlier recipes, and only those", async () => {
    const listed = await vagrant(["box", "list", "--machine-readable"]);
    const boxes = [...listed.stdout.matchAll(/,box-name,(.+)$/gm)].map((m) => m[1]);
    expect(boxes.sort()).toEqual([report.box, "someone/else"].sort());
    expect(progress).toContain("removed the older box kubelab/node-000000000000");
  });

  it("leaves no work files, image or container behind", async () => {
    expect(await readdir(workDir)).toEqual([]);
    expect(await hasImage(docker, boxBuildImageName(report.box.slice(NODE_BOX_PREFIX.length)))).toBe(false);
    expect(await docker.listContainers({ all: true, filters: { label: ["io.kubelab.purpose=export"] } })).toEqual([]);
  });

  it("describes its disk in metadata.json", async () => {
    expect(JSON.parse(await readFile(join(report.boxDir, BOX_FILES.metadata), "utf8"))).toEqual({
      provider: "libvirt",
      format: "qcow2",
      virtual_size: BOX_DISK_GIB,
    });
  });

  it("ships a bootable kernel and an initrd that finds a virtio disk with ext4 on it", async () => {
    const kernel = await readFile(join(report.boxDir, BOX_FILES.kernel));
    expect(kernel.toString("latin1", 0x202, 0x206)).toBe("HdrS");
    const initrd = await readFile(join(report.boxDir, BOX_FILES.initrd));
    expect([...initrd.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const names = cpioNames(gunzipSync(initrd));
    for (const module of ["virtio_pci.ko", "virtio_blk.ko", "ext4.ko"]) expect(names.some((n) => n.endsWith(`/${module}`))).toBe(true);
    expect(names).toContain("init");
    expect(initrd.length).toBeLessThan(20e6);
  });

  it("has a qcow2 disk of the box's size, holding only what is written", async () => {
    const info = JSON.parse((await execa("qemu-img", ["info", "--output=json", join(report.boxDir, BOX_FILES.disk)])).stdout) as {
      format: string;
      "virtual-size": number;
      "actual-size": number;
    };
    expect(info.format).toBe("qcow2");
    expect(info["virtual-size"]).toBe(BOX_DISK_GIB * 2 ** 30);
    expect(info["actual-size"]).toBeLessThan(1.5e9);
  });

  it("lets in the holder of the box's private key, as vagrant, and nobody else", async () => {
    const keyFile = join(report.boxDir, BOX_FILES.privateKey);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const publicKey = forge.pki.publicKeyFromPem(
      createPublicKey(createPrivateKey(await readFile(keyFile, "utf8"))).export({ type: "spki", format: "pem" }).toString(),
    ) as forge.pki.rsa.PublicKey;
    const [authorized] = await debugfs("cat /home/vagrant/.ssh/authorized_keys");
    expect(authorized.trim().split(" ").slice(0, 2)).toEqual((forge.ssh.publicKeyToOpenSSH(publicKey) as string).split(" ").slice(0, 2));
    expect(await inode("/home/vagrant/.ssh/authorized_keys")).toMatchObject({ mode: "0600", user: 1000 });
    const [sudoers] = await debugfs("cat /etc/sudoers.d/vagrant");
    expect(sudoers.trim()).toBe("vagrant ALL=(ALL) NOPASSWD: ALL");
    const [shadow] = await debugfs("cat /etc/shadow");
    expect(/^vagrant:([^:]*):/m.exec(shadow)?.[1]).toBe("*");
    // No host key: each VM makes its own on first boot.
    const [sshDir] = await debugfs("ls /etc/ssh");
    expect(sshDir).not.toMatch(/ssh_host_/);
  });

  it("gives every VM its own identity: an empty machine-id", async () => {
    expect(await inode("/etc/machine-id")).toMatchObject({ type: "regular", size: 0 });
    expect((await inode("/var/lib/dbus/machine-id"))?.link).toBe("/etc/machine-id");
  });

  it("carries the node image: containerd, runc, the baked images, file capabilities", async () => {
    for (const path of ["/usr/bin/containerd", "/usr/sbin/runc", "/etc/containerd/config.toml"]) expect(await inode(path), path).toMatchObject({ type: "regular" });
    expect((await inode("/kubelab/images/pause.tar"))?.size).toBeGreaterThan(100_000);
    expect((await inode("/kubelab/images/toolbox.tar"))?.size).toBeGreaterThan(100_000);
    expect(await inode("/etc/kubernetes/manifests")).toMatchObject({ type: "directory" });
    const [attributes] = await debugfs("ea_list /usr/bin/ping");
    expect(attributes).toContain("security.capability");
  });

  it("is a VM's root, not a container's", async () => {
    expect(await inode("/.dockerenv")).toBeUndefined();
    // `ls -p` lines are /inode/mode/uid/gid/name/size/.
    const [dev] = await debugfs("ls -p /dev");
    expect(dev.split("\n").map((l) => l.split("/")[5]).filter((n) => n && n !== "." && n !== "..")).toEqual([]);
    expect((await inode("/etc/resolv.conf"))?.link).toBe("../run/systemd/resolve/resolv.conf");
    const [fstab] = await debugfs("cat /etc/fstab");
    expect(fstab).toMatch(/^\/dev\/vda\s+\/\s+ext4\s/m);
    const [modules] = await debugfs("cat /etc/modules-load.d/kubelab.conf");
    expect(modules.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["overlay", "br_netfilter", "vxlan"]);
    const [sysctl] = await debugfs("cat /etc/sysctl.d/kubelab.conf");
    for (const setting of ["net.ipv4.ip_forward = 1", "net.bridge.bridge-nf-call-iptables = 1", "net.bridge.bridge-nf-call-ip6tables = 1"]) expect(sysctl).toContain(setting);
  });

  it("boots udev, networking and SSH, and masks what only slows a boot", async () => {
    const unit = (path: string) => inode(`/etc/systemd/system/${path}`);
    for (const masked of ["systemd-networkd-wait-online.service", "systemd-firstboot.service", "e2scrub_reap.service", "apt-daily.timer", "apt-daily-upgrade.timer", "fstrim.timer"]) {
      expect((await unit(masked))?.link, masked).toBe("/dev/null");
    }
    // The node image masks these for containers; a VM needs them.
    for (const unmasked of ["systemd-udevd.service", "systemd-udev-trigger.service", "systemd-sysctl.service", "systemd-modules-load.service", "systemd-logind.service"]) {
      expect(await unit(unmasked), unmasked).toBeUndefined();
    }
    for (const enabled of ["multi-user.target.wants/ssh.service", "multi-user.target.wants/systemd-networkd.service", "multi-user.target.wants/systemd-user-sessions.service", "sysinit.target.wants/systemd-resolved.service", "sysinit.target.wants/systemd-tmpfiles-setup.service", "ssh.service.requires/kubelab-ssh-host-keys.service"]) {
      expect((await unit(enabled))?.type, enabled).toBe("symlink");
    }
    const [network] = await debugfs("cat /etc/systemd/network/99-kubelab-dhcp.network");
    expect(network).toMatch(/^Name=eth\*$/m);
    expect(network).toMatch(/^DHCP=ipv4$/m);
  });

  it("is a box Vagrant loads and validates", async () => {
    const project = join(home, "project");
    await mkdir(project);
    await writeFile(
      join(project, "Vagrantfile"),
      `Vagrant.configure("2") do |config|\n  config.vm.box = "${report.box}"\n  config.vm.provider :libvirt do |libvirt|\n    libvirt.driver = "qemu"\n  end\nend\n`,
    );
    const validated = await vagrant(["validate"], project);
    expect(validated.exitCode, `${validated.stdout}\n${validated.stderr}`).toBe(0);
    expect(validated.stdout).toContain("Vagrantfile validated successfully.");
  });

  it("returns at once when Vagrant has the box", async () => {
    const again = await ensureNodeBox({ docker, workDir });
    expect(again).toMatchObject({ box: report.box, built: false, boxDir: report.boxDir, sizeBytes: report.sizeBytes });
    expect(again.durationMs).toBeLessThan(5000);
  });
});
