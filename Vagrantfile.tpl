# -*- mode: ruby -*-
# kubelab: the virtual machines of one lab, on libvirt. `lab up` renders this template into the
# lab's state directory with the lab's plan in KUBELAB_SPEC below; edit the lab file, not the copy.
#
# The machines get no configuration from Vagrant beyond booting: kubelab sets each one's hostname
# and its address on the lab network over SSH, the same way on any box, and then runs the same
# pipeline it runs on containers.
require "json"

spec = JSON.parse(<<~'KUBELAB_SPEC')
  __KUBELAB_SPEC__
KUBELAB_SPEC

Vagrant.configure("2") do |config|
  config.vm.box = spec["box"]
  config.vm.box_check_update = false
  # Nothing is shared from the host: binaries and files are copied in over SSH.
  config.vm.synced_folder ".", "/vagrant", disabled: true

  config.vm.provider :libvirt do |libvirt|
    libvirt.uri = "qemu:///system"
    # kvm where the host can accelerate, otherwise qemu's software emulation with a CPU model it
    # emulates fully.
    libvirt.driver = spec["driver"]
    if spec["driver"] == "qemu"
      libvirt.cpu_mode = "custom"
      libvirt.cpu_model = "qemu64"
    end
    # Everything libvirt holds for the lab carries its name: domains, networks, the disks' pool.
    libvirt.default_prefix = spec["prefix"]
    libvirt.management_network_name = spec["management"]["name"]
    libvirt.management_network_address = spec["management"]["cidr"]
    libvirt.storage_pool_name = spec["pools"]["base"]
    libvirt.snapshot_pool_name = spec["pools"]["lab"]
    libvirt.graphics_type = "none"
    libvirt.video_type = "none"
    libvirt.disk_bus = "virtio"
    libvirt.nic_model_type = "virtio"
    if spec["boot"]
      # A box that boots its kernel directly (kubelab's own): the kernel and initrd are volumes
      # of the base pool, which the hypervisor's user can read.
      libvirt.kernel = spec["boot"]["kernel"]
      libvirt.initrd = spec["boot"]["initrd"]
      libvirt.cmd_line = spec["boot"]["cmdline"]
    end
  end

  spec["nodes"].each do |node|
    config.vm.define node["name"] do |machine|
      # The lab's own isolated network: no DHCP, no route out; kubelab assigns the address.
      machine.vm.network :private_network,
        ip: node["ip"],
        auto_config: false,
        libvirt__network_name: spec["network"]["name"],
        libvirt__netmask: spec["network"]["netmask"],
        libvirt__host_ip: spec["network"]["gateway"],
        libvirt__forward_mode: "none",
        libvirt__dhcp_enabled: false,
        libvirt__mac: node["mac"]
      machine.vm.provider :libvirt do |libvirt|
        libvirt.cpus = node["cpus"]
        libvirt.memory = node["memory"]
      end
    end
  end
end
