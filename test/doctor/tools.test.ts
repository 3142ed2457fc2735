/**
 * The host tools the VM checks run (vagrant, virsh): how a run ends, what their output says, and
 * the checks on this machine, where Vagrant 2.3.4 with vagrant-libvirt is installed and libvirtd
 * runs when started by hand.
 */
import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { libvirtCheck, libvirtVerdict } from "../../src/doctor/libvirt.js";
import { findOnPath, runTool } from "../../src/doctor/run-tool.js";
import { parsePluginVersion, parseVagrantVersion, vagrantChecks } from "../../src/doctor/vagrant.js";

/** Whether a process of this name runs (read from /proc). */
async function running(name: string): Promise<boolean> {
  for (const pid of await readdir("/proc")) {
    if (/^\d+$/.test(pid) && (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim() === name) return true;
  }
  return false;
}

describe("runTool", () => {
  it("tells a missing tool, a failure, a timeout and success apart", async () => {
    expect(await runTool(["kubelab-no-such-tool"], 5000)).toEqual({ outcome: "missing" });
    expect(await runTool(["sh", "-c", "echo out; echo 'it broke' >&2; exit 3"], 5000)).toEqual({ outcome: "failed", message: "sh -c 'echo out; echo '\\''it broke'\\'' >&2; exit 3': it broke", stdout: "out", stderr: "it broke" });
    const started = Date.now();
    expect(await runTool(["sleep", "10"], 300)).toMatchObject({ outcome: "failed", message: "sleep 10: no answer within 0.3s" });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await runTool(["sh", "-c", "echo $LC_ALL"], 5000)).toEqual({ outcome: "ok", stdout: "C", stderr: "" });
  });

  it("finds executables on PATH", async () => {
    expect(await findOnPath("sh")).toMatch(/\/sh$/);
    expect(await findOnPath("kubelab-no-such-tool")).toBeUndefined();
    expect(await findOnPath("sh", "/nonexistent")).toBeUndefined();
  });
});

describe("Vagrant output", () => {
  it("reads versions", () => {
    expect(parseVagrantVersion("Vagrant 2.3.4\n")).toBe("2.3.4");
    expect(parseVagrantVersion("something else")).toBeUndefined();
    const plugins = "vagrant-libvirt (0.11.2, system)\n  - Version Constraint: > 0\nvagrant-libvirt-extra (1.0.0, global)\n";
    expect(parsePluginVersion(plugins, "vagrant-libvirt")).toBe("0.11.2");
    expect(parsePluginVersion("No plugins installed.\n", "vagrant-libvirt")).toBeUndefined();
    expect(parsePluginVersion("vagrant-libvirt-extra (1.0.0, global)\n", "vagrant-libvirt")).toBeUndefined();
  });
});

describe("libvirtVerdict", () => {
  it.each([
    [{ outcome: "missing" } as const, "docker", "warn", /apt-get install libvirt-daemon-system/],
    [{ outcome: "missing" } as const, "vagrant", "fail", /apt-get install/],
    [
      { outcome: "failed", message: "virsh -c qemu:///system uri: error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory", stdout: "", stderr: "" } as const,
      "vagrant",
      "fail",
      /^start libvirtd: /,
    ],
    [
      { outcome: "failed", message: "virsh -c qemu:///system uri: error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied", stdout: "", stderr: "" } as const,
      "docker",
      "warn",
      /usermod -aG libvirt/,
    ],
    [{ outcome: "ok", stdout: "qemu:///system", stderr: "" } as const, "vagrant", "ok", undefined],
  ])("%j for provider %s: %s", (result, provider, status, fix) => {
    const verdict = libvirtVerdict(result, provider as "docker" | "vagrant");
    expect(verdict.status).toBe(status);
    if (fix) expect(verdict.fix).toMatch(fix);
    else expect(verdict.fix).toBeUndefined();
  });
});

describe("the VM tool checks on this machine", () => {
  it("finds Vagrant and its libvirt plugin (container labs judged: missing would only warn)", async () => {
    const [vagrant, plugin] = vagrantChecks("docker");
    const installed = (await findOnPath("vagrant")) !== undefined;
    expect(await vagrant!.run()).toEqual(installed ? { status: "ok", detail: "Vagrant 2.3.4" } : expect.objectContaining({ status: "warn" }));
    expect(await plugin!.run()).toEqual(installed ? { status: "ok", detail: "vagrant-libvirt 0.11.2" } : expect.objectContaining({ status: "skip" }));
  });

  it("reaches libvirtd when it runs", async () => {
    const result = await libvirtCheck("vagrant").run();
    expect(result.status).toBe((await running("libvirtd")) ? "ok" : "fail");
  });

  it("reports a missing vagrant as a warning for container labs and a failure for VM labs", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect((await vagrantChecks("docker")[0]!.run()).status).toBe("warn");
      const [vagrant, plugin] = vagrantChecks("vagrant");
      expect(await vagrant!.run()).toMatchObject({ status: "fail", detail: /^vagrant is not installed/, fix: /apt-get install vagrant/ });
      expect(await plugin!.run()).toEqual({ status: "skip", detail: "Vagrant is not usable (see Vagrant above)" });
    } finally {
      process.env.PATH = path;
    }
  });
});
