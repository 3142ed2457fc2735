/**
 * The box's metadata.json and Vagrantfile as text: what vagrant-libvirt and the Vagrant provider
 * read from them, and Ruby's own syntax check of the Vagrantfile. (The slow suite in
 * node-box.test.ts has Vagrant load it from a real box and validate it.)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { BOX_DISK_GIB, BOX_FILES, BOX_KERNEL_CMDLINE, boxMetadata, boxVagrantfile } from "../../src/images/box-files.js";
import { missingCommand, skipUnlessAvailable } from "../render/real-tools.js";

const noRuby = await missingCommand("ruby", ["--version"]);

describe("boxMetadata", () => {
  it("describes a qcow2 libvirt disk of the box's size", () => {
    expect(boxMetadata()).toEqual({ provider: "libvirt", format: "qcow2", virtual_size: BOX_DISK_GIB });
  });
});

describe("boxVagrantfile", () => {
  const text = boxVagrantfile("kubelab/node-0123456789ab");

  it("boots the kernel and initrd beside it, with the box's command line", () => {
    expect(text).toContain(`libvirt.kernel = File.expand_path("${BOX_FILES.kernel}", __dir__)`);
    expect(text).toContain(`libvirt.initrd = File.expand_path("${BOX_FILES.initrd}", __dir__)`);
    // The Vagrant provider reads the command line back with this expression.
    expect(/cmd_line\s*=\s*"([^"]*)"/.exec(text)?.[1]).toBe(BOX_KERNEL_CMDLINE);
    expect(BOX_KERNEL_CMDLINE.split(" ")).toEqual(expect.arrayContaining(["root=/dev/vda", "rw", "systemd.unified_cgroup_hierarchy=0", "net.ifnames=0"]));
  });

  it("logs in as vagrant with the box's key and never swaps it", () => {
    expect(text).toContain('config.ssh.username = "vagrant"');
    expect(text).toContain(`config.ssh.private_key_path = File.expand_path("${BOX_FILES.privateKey}", __dir__)`);
    expect(text).toContain("config.ssh.insert_key = false");
    expect(text).toContain('config.vm.synced_folder ".", "/vagrant", disabled: true');
  });

  it.skipIf(skipUnlessAvailable("the box Vagrantfile's Ruby syntax check", noRuby))("is valid Ruby", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubelab-box-vagrantfile-"));
    try {
      await writeFile(join(dir, "Vagrantfile"), text);
      const checked = await execa("ruby", ["-c", join(dir, "Vagrantfile")], { reject: false });
      expect(checked.stdout.trim(), checked.stderr).toBe("Syntax OK");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
