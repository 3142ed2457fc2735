/**
 * The files of kubelab's libvirt box, besides its disk: metadata.json, which vagrant-libvirt reads
 * to import the disk, and the box's Vagrantfile, which boots the kernel and initrd shipped next to
 * it directly (the disk has no bootloader and no partition table) and logs in with the box's key.
 * Pure: nothing here touches a file.
 */

/** The names of the files in a box. */
export const BOX_FILES = {
  metadata: "metadata.json",
  vagrantfile: "Vagrantfile",
  /** The root filesystem: ext4 on the whole disk, as qcow2. */
  disk: "box.img",
  kernel: "vmlinuz",
  initrd: "initrd.img",
  /** The private half of the key in /home/vagrant/.ssh/authorized_keys. */
  privateKey: "vagrant_ssh_key",
} as const;

/** Size of the box's disk and of the filesystem on it, in GiB (sparse: unused space costs nothing). */
export const BOX_DISK_GIB = 8;

/**
 * The kernel command line. Root is the whole first virtio disk, mounted writable at once (no fsck
 * pass of a read-only root: a new VM's filesystem is clean). The console is the serial port, where
 * `virsh console` shows the boot. cgroup v1, because Kubernetes 1.20 predates solid cgroup v2
 * support. `net.ifnames=0` keeps the kernel's names (eth0, eth1, ...): virtio NICs are probed in the
 * order the domain defines them, so the Nth interface of the Vagrantfile is always ethN-1, which is
 * how Vagrant matches networks to interfaces; predictable names would depend on the PCI slots
 * libvirt happens to assign.
 */
export const BOX_KERNEL_CMDLINE = "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=0 net.ifnames=0";

/** A libvirt box's metadata.json. */
export interface BoxMetadata {
  provider: "libvirt";
  format: "qcow2";
  /** The disk's virtual size in GiB. */
  virtual_size: number;
}

/** The metadata.json of kubelab's box. */
export function boxMetadata(): BoxMetadata {
  return { provider: "libvirt", format: "qcow2", virtual_size: BOX_DISK_GIB };
}

/** The Vagrantfile inside kubelab's box, for a box named `box`. */
export function boxVagrantfile(box: string): string {
  return `# ${box}: kubelab's node image as a libvirt box, built by \`lab image build --box\`.
# The disk holds only a root filesystem: the kernel and initrd next to this file boot it directly.
# The VM logs in as vagrant with the key made for this box (no insecure shared key to replace).
Vagrant.configure("2") do |config|
  config.ssh.username = "vagrant"
  config.ssh.private_key_path = File.expand_path("${BOX_FILES.privateKey}", __dir__)
  config.ssh.insert_key = false
  # A node needs no shared folder, and the default one would need rsync or NFS in the guest.
  config.vm.synced_folder ".", "/vagrant", disabled: true

  config.vm.provider :libvirt do |libvirt|
    libvirt.disk_bus = "virtio"
    libvirt.kernel = File.expand_path("${BOX_FILES.kernel}", __dir__)
    libvirt.initrd = File.expand_path("${BOX_FILES.initrd}", __dir__)
    libvirt.cmd_line = "${BOX_KERNEL_CMDLINE}"
  end
end
`;
}
