/**
 * `lab shell` without a terminal refuses plainly (exit code 2) and points at `lab exec`, before
 * looking for the lab; and the SSH command a VM's shell runs is one the real OpenSSH client
 * accepts with the lab's own SSH settings (`ssh -G` evaluates it without connecting): the VM's
 * address, user and key from Vagrant's settings, a terminal asked for, root's login shell run.
 * A shell in a real container, on a real terminal, is in test/e2e/node-access.e2e.test.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packagePath } from "../../src/package-root.js";
import { sshShellArgv, writeSshConfig } from "../../src/providers/vagrant/ssh-session.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubelab-shell-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("lab shell without a terminal", () => {
  it.each([
    ["a pipe", "pipe"],
    ["/dev/null", "ignore"],
  ] as const)("refuses when stdin is %s, pointing at lab exec", async (_what, stdin) => {
    const r = await execa(process.execPath, [packagePath("dist", "cli", "main.js"), "shell", "some-lab", "node1"], {
      env: { ...process.env, KUBELAB_HOME: join(dir, "home") },
      stdin,
      reject: false,
      timeout: 30_000,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        "error: failed to open a shell on node node1: stdin is not a terminal",
        "  hint: run it from a terminal, or run commands without one: lab exec some-lab node1 -- CMD...",
      ].join("\n"),
    );
  });
});

describe("a VM's shell command", () => {
  it("is accepted by the real ssh with the lab's settings: the VM, a terminal, root's login shell", async () => {
    const config = join(dir, "ssh", "config");
    // What `vagrant ssh-config` prints for a lab's VM.
    await writeSshConfig(config, join(dir, "ssh", "control"), [
      "Host ctl1",
      "  HostName 192.168.121.57",
      "  User vagrant",
      "  Port 22",
      "  UserKnownHostsFile /dev/null",
      "  StrictHostKeyChecking no",
      "  IdentityFile /home/me/.vagrant.d/insecure_private_key",
      "  IdentitiesOnly yes",
    ].join("\n"));
    const argv = sshShellArgv(config, "ctl1");
    expect(argv[0]).toBe("ssh");
    expect(argv.at(-1)).toBe("sudo -i");
    const [ssh, ...args] = argv;
    const r = await execa(ssh!, ["-G", ...args], { reject: false, timeout: 10_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const settings = new Map(r.stdout.split("\n").map((line) => [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)]));
    expect(settings.get("hostname")).toBe("192.168.121.57");
    expect(settings.get("user")).toBe("vagrant");
    expect(settings.get("identityfile")).toBe("/home/me/.vagrant.d/insecure_private_key");
    expect(settings.get("requesttty")).toMatch(/^(true|force|yes)$/);
    // The shared connection of the lab's other commands.
    expect(settings.get("controlpath")).toBe(join(dir, "ssh", "control", "ctl1"));
  });
});
