/**
 * The lab's Vagrantfile: the top-level Vagrantfile.tpl with the plan's VMs in it. Pure: the
 * same plan and settings give the same file.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.js";
import { prefixLength } from "../plan/ipv4.js";
import type { Plan } from "../plan/plan.js";

/** The libvirt driver: kvm (hardware virtualisation) or qemu (software emulation). */
export type LibvirtDriver = "kvm" | "qemu";

/** What the Vagrantfile needs besides the plan: where things go in libvirt, and the box. */
export interface VagrantSettings {
  /** The box every VM boots. */
  box: string;
  driver: LibvirtDriver;
  /** Domain names are this prefix and the node name. */
  prefix: string;
  /** The lab's own network (the plan's node subnet). */
  network: string;
  /** The network Vagrant reaches the VMs over (DHCP, NAT), one per lab. */
  management: { name: string; cidr: string };
  /** The pool holding base images (shared by labs) and the one holding the lab's disks. */
  pools: { base: string; lab: string };
  /** For a box that boots its kernel directly: the kernel and initrd (host paths) and the command line. */
  boot?: { kernel: string; initrd: string; cmdline: string };
}

/** The placeholder in Vagrantfile.tpl replaced with the lab's spec. */
const SPEC_PLACEHOLDER = "__KUBELAB_SPEC__";

/** A locally administered MAC address for a node's lab-network interface, stable per lab and node. */
export function nodeMac(lab: string, node: string): string {
  const digest = createHash("sha256").update(`${lab}/${node}`).digest();
  return ["52", "54", "00", ...[...digest.subarray(0, 3)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** The dotted netmask of a CIDR. */
function netmask(cidr: string): string {
  const bits = prefixLength(cidr);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join(".");
}

/** Renders the Vagrantfile of a plan. */
export function renderVagrantfile(plan: Plan, settings: VagrantSettings, template = readFileSync(packagePath("Vagrantfile.tpl"), "utf8")): string {
  if (!template.includes(SPEC_PLACEHOLDER)) throw new Error(`bug: Vagrantfile.tpl has no ${SPEC_PLACEHOLDER}`);
  const spec = {
    lab: plan.labName,
    box: settings.box,
    driver: settings.driver,
    prefix: settings.prefix,
    network: { name: settings.network, gateway: plan.network.gateway, netmask: netmask(plan.network.nodeSubnet) },
    management: settings.management,
    pools: settings.pools,
    ...(settings.boot ? { boot: settings.boot } : {}),
    nodes: plan.nodes.map((n) => ({ name: n.name, ip: n.ip, mac: nodeMac(plan.labName, n.name), cpus: n.vm.cpus, memory: n.vm.memoryMiB })),
  };
  // One line of JSON inside a quoted heredoc: Ruby reads it verbatim, nothing is interpolated.
  return template.replace(SPEC_PLACEHOLDER, JSON.stringify(spec));
}
