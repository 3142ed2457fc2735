/**
 * Memory: MemAvailable as free(1) reads it, what shipped labs need as containers and as VMs, and
 * the thresholds of the verdict.
 */
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { loadDoctorLab } from "../../src/doctor/doctor-lab.js";
import { CONTAINER_MEMORY_MIB, formatMiB, labMemoryMiB, memAvailableMiB, memoryCheck, memoryVerdict } from "../../src/doctor/memory.js";
import { VM_RESOURCES_BY_ROLE } from "../../src/plan/vm-resources.js";

describe("memAvailableMiB", () => {
  it("reads what free -m shows as available (within what changes between the two reads)", async () => {
    const mine = memAvailableMiB(await readFile("/proc/meminfo", "utf8"));
    const { stdout } = await execa("free", ["-m"]);
    const available = Number(stdout.split("\n")[1]!.trim().split(/\s+/).at(-1));
    expect(Math.abs(mine! - available)).toBeLessThan(128);
  });

  it("is undefined for a kernel without MemAvailable", () => {
    expect(memAvailableMiB("MemTotal:       16384000 kB\nMemFree:         1024000 kB\n")).toBeUndefined();
    expect(memAvailableMiB("MemTotal:       16384000 kB\nMemAvailable:    2097152 kB\n")).toBe(2048);
  });
});

describe("what a lab needs", () => {
  const m = CONTAINER_MEMORY_MIB;
  const vm = VM_RESOURCES_BY_ROLE;

  it.each([
    // One node with etcd, the control plane as static pods and kubelet (README: 494 MiB measured).
    ["coreos-single", undefined, m.etcd + m.controlPlane + m.kubelet],
    // fed-master (etcd, control plane as units), two workers (README: master 387, workers 78-89).
    ["fedora-multi", undefined, m.etcd + m.controlPlane + 2 * m.kubelet],
    // lb, 2 etcd, 2 controllers (systemd: no kubelet), 2 workers (README: ~930 MiB in all).
    ["ha-etcd", undefined, m.loadBalancer + 2 * m.etcd + 2 * m.controlPlane + 2 * m.kubelet],
    // As VMs each node holds its whole memory; a node with several roles, the largest of them.
    ["coreos-single", "vagrant" as const, vm.controlplane.memoryMiB],
    ["ha-etcd", "vagrant" as const, vm.loadbalancer.memoryMiB + 2 * vm.etcd.memoryMiB + 2 * vm.controlplane.memoryMiB + 2 * vm.worker.memoryMiB],
  ])("%s with provider %s needs %i MiB", async (name, provider, expected) => {
    expect(labMemoryMiB(await loadDoctorLab(name, provider))).toBe(expected);
  });

  it.each([
    ["coreos-single", 494],
    ["fedora-multi", 387 + 2 * 84],
    ["ha-etcd", 930],
  ])("%s as containers: at least the README's measured %i MiB, and at most 20%% more", async (name, measured) => {
    const need = labMemoryMiB(await loadDoctorLab(name));
    expect(need).toBeGreaterThanOrEqual(measured);
    expect(need).toBeLessThanOrEqual(measured * 1.2);
  });
});

describe("memoryVerdict", () => {
  it.each([
    [4096, 1024, "ok"],
    [1536, 1024, "ok"], // 512 MiB left: the floor of the headroom
    [1535, 1024, "warn"],
    [1024, 1024, "warn"],
    [1023, 1024, "fail"],
    [12159, 9728, "warn"], // a quarter of a big need is the headroom: 2432 MiB
    [12160, 9728, "ok"],
  ])("%i MiB available for %i MiB: %s", (available, need, status) => {
    const verdict = memoryVerdict(available, need, "the lab");
    expect(verdict.status).toBe(status);
    expect(verdict.detail.startsWith(`${formatMiB(available)} available; the lab needs about ${formatMiB(need)}`)).toBe(true);
    expect(verdict.fix === undefined).toBe(status === "ok");
  });

  it("formats MiB and GiB", () => {
    expect([formatMiB(13), formatMiB(1023), formatMiB(1024), formatMiB(9728)]).toEqual(["13 MiB", "1023 MiB", "1.0 GiB", "9.5 GiB"]);
  });

  it("says what a named VM lab is made of", async () => {
    const vm = VM_RESOURCES_BY_ROLE;
    const sizes = [vm.loadbalancer, vm.etcd, vm.etcd, vm.controlplane, vm.controlplane, vm.worker, vm.worker].map((r) => r.memoryMiB);
    const need = sizes.reduce((a, b) => a + b, 0);
    const result = await memoryCheck(await loadDoctorLab("ha-etcd", "vagrant"), "vagrant").run();
    expect(result.detail).toContain(`; lab ha-etcd (7 VMs of ${sizes.join(" + ")} MiB, each holding all its memory) needs about ${formatMiB(need)}`);
  });
});
