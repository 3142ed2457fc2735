/**
 * Memory: what a lab needs against what the host has available (MemAvailable). A container node
 * holds only what runs in it, measured idle (README: controllers ~330-380 MiB, workers ~80,
 * etcd ~40, load balancer ~13); a VM holds its whole configured memory from boot.
 */
import { readFile } from "node:fs/promises";
import type { ProviderName } from "../config/lab-schema.js";
import type { PlannedNode } from "../plan/plan.js";
import { vmResources } from "../plan/vm-resources.js";
import type { DoctorCheck, DoctorResult } from "./doctor-check.js";
import type { DoctorLab } from "./doctor-lab.js";

/** Idle memory of what runs in a container node, in MiB, rounded up from the measured figures. */
export const CONTAINER_MEMORY_MIB = { etcd: 48, controlPlane: 384, kubelet: 96, loadBalancer: 16 } as const;

/** What a container lab is assumed to need when none is named: the README's "about 1 GiB per lab". */
export const DEFAULT_LAB_MEMORY_MIB = 1024;

/** What the smallest VM lab needs: one VM with every role. */
function smallestVmLabMiB(): number {
  return vmResources({ roles: ["etcd", "controlplane", "worker"] }).memoryMiB;
}

/** MemAvailable in MiB, from the text of /proc/meminfo; undefined when the kernel has no such line. */
export function memAvailableMiB(meminfo: string): number | undefined {
  const kib = meminfo.match(/^MemAvailable:\s+(\d+) kB$/m)?.[1];
  return kib === undefined ? undefined : Math.floor(Number(kib) / 1024);
}

/** The memory one node of a lab holds, in MiB. */
export function nodeMemoryMiB(node: PlannedNode, provider: ProviderName): number {
  if (provider === "vagrant") return node.vm.memoryMiB;
  const m = CONTAINER_MEMORY_MIB;
  return (node.etcd ? m.etcd : 0) + (node.controlPlane ? m.controlPlane : 0) + (node.kubelet ? m.kubelet : 0) + (node.loadBalancer ? m.loadBalancer : 0);
}

/** What a lab needs in all, in MiB. */
export function labMemoryMiB(lab: Pick<DoctorLab, "nodes" | "provider">): number {
  return lab.nodes.reduce((sum, n) => sum + nodeMemoryMiB(n, lab.provider), 0);
}

/** "512 MiB", "1.5 GiB". */
export function formatMiB(mib: number): string {
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib} MiB`;
}

/**
 * The verdict: fail when less is available than the lab needs, warn when what is left after it
 * would be under max(512 MiB, a quarter of the need), else ok.
 */
export function memoryVerdict(availableMiB: number, needMiB: number, what: string): DoctorResult {
  const seen = `${formatMiB(availableMiB)} available; ${what} needs about ${formatMiB(needMiB)}`;
  if (availableMiB < needMiB) {
    return { status: "fail", detail: `${seen}: it will not fit`, fix: "stop other labs (lab down NAME) or programs, or bring up a smaller lab (--scale)" };
  }
  if (availableMiB - needMiB < Math.max(512, needMiB / 4)) {
    return { status: "warn", detail: `${seen}: little would be left for anything else`, fix: "stop other labs (lab down NAME) or programs first" };
  }
  return { status: "ok", detail: seen };
}

/** What the lab is, for the verdict's detail. */
function describeLab(lab: DoctorLab | undefined, provider: ProviderName): string {
  if (!lab) return provider === "vagrant" ? "the smallest VM lab (one VM)" : "a container lab";
  const kind = lab.provider === "vagrant" ? "VM" : "container";
  const count = `${lab.nodes.length} ${kind}${lab.nodes.length === 1 ? "" : "s"}`;
  if (lab.provider !== "vagrant") return `lab ${lab.name} (${count})`;
  return `lab ${lab.name} (${count} of ${lab.nodes.map((n) => n.vm.memoryMiB).join(" + ")} MiB, each holding all its memory)`;
}

/** The check of free memory, for the named lab or else a typical lab of `provider`. */
export function memoryCheck(lab: DoctorLab | undefined, provider: ProviderName): DoctorCheck {
  return {
    id: "memory",
    title: "free memory",
    run: async () => {
      const available = memAvailableMiB(await readFile("/proc/meminfo", "utf8"));
      if (available === undefined) return { status: "skip", detail: "/proc/meminfo has no MemAvailable line (a kernel older than 3.14)" };
      const typical = provider === "vagrant" ? smallestVmLabMiB() : DEFAULT_LAB_MEMORY_MIB;
      const result = memoryVerdict(available, lab ? labMemoryMiB(lab) : typical, describeLab(lab, provider));
      return lab ? result : { ...result, detail: `${result.detail} (lab doctor NAME estimates a given lab, VMs included)` };
    },
  };
}
