/**
 * KVM detection, for real: on this machine /dev/kvm exists and opens, but QEMU asserts when it
 * starts a guest with KVM and the host's CPU (ENVIRONMENT.md: "KVM acceleration does not work"),
 * so VMs must use the qemu driver. With an emulated CPU model KVM does run a guest here, which
 * exercises the whole QMP conversation. No QEMU process may be left behind.
 */
import { spawnSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packagePath } from "../../../src/package-root.js";
import { detectAcceleration, qemuBinary } from "../../../src/providers/vagrant/acceleration.js";
import { describeDevice, deviceFacts } from "../../../src/providers/vagrant/kvm-device.js";
import { scratchDir } from "../../scratch-dir.js";

/** Command lines of running QEMU processes started by the probe. */
async function probeProcesses(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const argv = cmdline.split("\0");
    if (argv[0]?.endsWith(qemuBinary()) && argv.includes("-qmp") && argv.some((a) => a.includes("accel=kvm"))) found.push(`${pid} ${argv.join(" ")}`);
  }
  return found;
}

describe("detectAcceleration", () => {
  it("answers qemu here, with QEMU's own words as the reason, and leaves no QEMU behind", async () => {
    const acceleration = await detectAcceleration();
    expect(acceleration.driver).toBe("qemu");
    expect(acceleration.reason).toMatch(/^qemu could not use KVM: .+|^no answer from qemu with KVM within 5s$/);
    expect(await probeProcesses()).toEqual([]);
  });

  it("keeps the answer: a second call costs nothing and gives the same object", async () => {
    const first = await detectAcceleration();
    const started = performance.now();
    const second = await detectAcceleration();
    expect(performance.now() - started).toBeLessThan(5);
    expect(second).toBe(first);
  });

  it("answers kvm when QEMU runs a guest with KVM (here: with the emulated qemu64 CPU)", async () => {
    const acceleration = await detectAcceleration({ cpu: "qemu64" });
    expect(acceleration).toEqual({ driver: "kvm", reason: "qemu ran a guest with KVM (CPU qemu64)" });
    expect(await probeProcesses()).toEqual([]);
  });

  it("kills a QEMU that does not answer in time", async () => {
    const acceleration = await detectAcceleration({ cpu: "qemu64", timeoutMs: 1 });
    expect(acceleration).toEqual({ driver: "qemu", reason: "no answer from qemu with KVM within 1ms" });
    expect(await probeProcesses()).toEqual([]);
  });

  it("says when there is no KVM device", async () => {
    const acceleration = await detectAcceleration({ device: "/nonexistent/kvm" });
    expect(acceleration.driver).toBe("qemu");
    expect(acceleration.reason).toMatch(/^there is no \/nonexistent\/kvm: /);
  });

  it("says when the device is not a character device", async () => {
    const dir = await scratchDir("kubelab-acc-");
    await writeFile(join(dir, "kvm"), "");
    expect(await detectAcceleration({ device: join(dir, "kvm") })).toEqual({ driver: "qemu", reason: `${join(dir, "kvm")} is not a character device` });
  });

  it.skipIf(process.getuid?.() !== 0)("says who cannot open /dev/kvm (run as nobody, from the build)", async () => {
    const script = `const m = await import(${JSON.stringify(packagePath("dist", "providers", "vagrant", "acceleration.js"))}); console.log(JSON.stringify(await m.detectAcceleration()));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { uid: 65534, gid: 65534, encoding: "utf8", cwd: "/" });
    expect(r.stderr).toBe("");
    const facts = (await deviceFacts())!;
    expect(JSON.parse(r.stdout)).toEqual({ driver: "qemu", reason: `/dev/kvm is ${describeDevice(facts)}: nobody (uid 65534) cannot open it read-write` });
  });

  it("says when QEMU is not installed", async () => {
    expect(await detectAcceleration({ qemu: "qemu-system-kubelab-none" })).toEqual({
      driver: "qemu",
      reason: "qemu-system-kubelab-none is not installed (not on PATH), so KVM could not be tried",
    });
  });
});
