/**
 * `lab doctor` run as a user runs it (the built CLI): one line per check, a fix under each problem,
 * one JSON object per check with --json, exit code 1 only when a check fails, a lab's needs
 * estimated by name, and the host left as it was. Checks run at once: the whole run takes seconds.
 */
import { createServer, type AddressInfo } from "node:net";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { readInotifyLimits } from "../../src/doctor/inotify.js";
import { jsonLines, lab } from "../e2e/support.js";

const env = { ...process.env, NO_COLOR: "1", CI: "1" };
const dockerReachable = await new Docker().ping().then(() => true, () => false);

const IDS = ["docker-engine", "cgroups", "inotify", "memory", "disk", "subnets", "vagrant", "vagrant-libvirt", "libvirtd", "kvm", "kvm-device"];
const STATUSES = ["ok", "warn", "fail", "skip"];

describe("lab doctor", () => {
  it("prints one JSON object per check, then a summary, and exits 1 only when a check fails", async () => {
    const before = await readInotifyLimits();
    const started = Date.now();
    const r = await lab(["doctor", "--json"], env);
    const elapsed = Date.now() - started;
    const lines = jsonLines(r.stdout);
    expect(r.stdout.trim().split("\n")).toHaveLength(lines.length);
    const checks = lines.slice(0, -1);
    const end = lines.at(-1)!;
    expect(checks.map((c) => c.type)).toEqual(IDS.map(() => "doctor-check"));
    expect(checks.map((c) => c.id)).toEqual(IDS);
    for (const c of checks) {
      expect(STATUSES).toContain(c.status);
      expect(typeof c.title).toBe("string");
      expect(c.detail).toMatch(/\S/);
      expect(typeof c.durationMs).toBe("number");
      if (c.fix !== undefined) expect(c.fix).toMatch(/\S/);
      if (c.status === "fail") expect(c.fix).toBeDefined();
    }
    const count = (s: string): number => checks.filter((c) => c.status === s).length;
    const failed = count("fail") > 0;
    expect(end).toEqual({ type: "doctor-end", ok: count("ok"), warn: count("warn"), fail: count("fail"), skip: count("skip"), exitCode: failed ? 1 : 0, durationMs: expect.any(Number) });
    expect(r.exitCode).toBe(failed ? 1 : 0);

    // What this machine is.
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId["docker-engine"]!.status).toBe(dockerReachable ? "ok" : "fail");
    expect(byId.kvm).toMatchObject({ status: "warn", detail: expect.stringMatching(/software emulation.*Why: qemu could not use KVM/) });
    const limits = await readInotifyLimits();
    expect(byId.inotify!.status).toBe(limits.max_user_watches >= 524288 && limits.max_user_instances >= 512 ? "ok" : "warn");
    // Its fix is commands for the user to run, sysctl first.
    if (byId.inotify!.fix !== undefined) expect(byId.inotify!.fix).toMatch(/^sudo sysctl -w fs\.inotify\./);
    // The doctor prints fixes and never applies them.
    expect(limits).toEqual(before);
    expect(elapsed).toBeLessThan(15_000);
    expect(end.durationMs as number).toBeLessThan(8_000);
  });

  it("prints a line per check with its mark, the fix indented under it, and a summary", async () => {
    const r = await lab(["doctor"], env);
    const lines = r.stdout.trimEnd().split("\n");
    expect(r.stdout).not.toMatch(/\u001B\[/);
    const checkLines = lines.filter((l) => /^ [✓!✗-] /.test(l));
    expect(checkLines).toHaveLength(IDS.length);
    expect(checkLines[0]).toMatch(/^ [✓✗] Docker engine: /);
    // Every fix sits under the check it is for, which is never an ok one.
    let lastCheck = "";
    for (const line of lines) {
      if (/^ [✓!✗-] /.test(line)) lastCheck = line;
      else if (line.startsWith("     fix: ")) expect(lastCheck).toMatch(/^ [!✗-] /);
    }
    expect(lines.find((l) => l.startsWith(" ! KVM: "))).toBeDefined();
    expect(lines.at(-1)).toMatch(/^doctor: \d+ ok, \d+ warnings?, \d+ failed, \d+ skipped in \d/);
  });

  it("fails without a Docker engine, says how to start one, and skips what depends on it", async () => {
    const r = await lab(["doctor", "--json"], { ...env, DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    const byId = Object.fromEntries(jsonLines(r.stdout).map((c) => [c.id, c]));
    expect(r.exitCode).toBe(1);
    expect(byId["docker-engine"]).toMatchObject({ status: "fail", detail: expect.stringMatching(/^no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock/), fix: expect.stringMatching(/dockerd/) });
    expect(byId.cgroups!.status).toBe("skip");
    expect(byId.subnets!.detail).toMatch(/Docker's networks are not known/);
  });

  it("finishes when the engine never answers: its check fails after 5s and nothing keeps the process", async () => {
    const server = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const r = await lab(["doctor", "--json"], { ...env, DOCKER_HOST: `tcp://127.0.0.1:${port}` });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(jsonLines(r.stdout).find((c) => c.id === "docker-engine")).toMatchObject({ status: "fail", detail: expect.stringMatching(/no answer within 5s$/) });
      expect(r.exitCode).toBe(1);
    } finally {
      server.close();
    }
  });

  it("only warns without a Docker engine when the lab runs on VMs, and estimates the lab's VMs", async () => {
    const r = await lab(["doctor", "ha-etcd", "--provider", "vagrant", "--json"], { ...env, DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    const byId = Object.fromEntries(jsonLines(r.stdout).map((c) => [c.id, c]));
    expect(byId["docker-engine"]!.status).toBe("warn");
    expect(byId.memory!.detail).toMatch(/lab ha-etcd \(7 VMs of [\d +]+ MiB, each holding all its memory\) needs about [\d.]+ GiB/);
    expect(r.exitCode).toBe(jsonLines(r.stdout).some((c) => c.status === "fail") ? 1 : 0);
  });

  it("estimates a named container lab and checks its ranges", async () => {
    const r = await lab(["doctor", "coreos-single"], env);
    expect(r.stdout).toMatch(/free memory: .* available; lab coreos-single \(1 container\) needs about 528 MiB/);
    expect(r.stdout).toMatch(/subnets in use: .*lab coreos-single's ranges are free/);
    expect(r.stdout).toMatch(/^doctor \(lab coreos-single, provider docker\): /m);
  });

  it("refuses an unknown lab or provider with exit code 2", async () => {
    const r = await lab(["doctor", "no-such-lab", "--json"], env);
    expect(r.exitCode).toBe(2);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ type: "error", exitCode: 2, error: expect.objectContaining({ message: "failed to find lab no-such-lab" }) })]);
    const p = await lab(["doctor", "--provider", "lxc"], env);
    expect(p.exitCode).toBe(2);
    expect(p.stderr).toMatch(/failed to use --provider lxc: unknown provider/);
  });
});
