/**
 * Commands and files into VMs over SSH, one shared connection per node for a whole run (OpenSSH
 * connection sharing), with the settings `vagrant ssh-config` gives. Commands run as root
 * through sudo, as `docker exec` runs them in a container.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { execa } from "execa";
import pLimit, { type LimitFunction } from "p-limit";
import { shellLine, UserError } from "../../errors.js";
import { writeFileAtomic } from "../../atomic-write.js";
import type { ExecOptions, ExecResult } from "../provider.js";

/**
 * Commands at once over one node's shared connection. Past sshd's MaxSessions, ssh falls back to
 * a connection of its own, whose key exchange takes seconds on a VM without KVM and may time out
 * while the lab is busy.
 */
export const SESSIONS_PER_NODE = 8;

/**
 * The sessions sshd opens per connection in a lab's VMs (its default is 10). A session stays
 * counted until sshd has closed its channel, which under software emulation comes well after the
 * command has ended: 8 running and 8 closing must fit.
 */
export const SSHD_MAX_SESSIONS = 32;

/**
 * The root shell script that raises sshd's MaxSessions in a VM to {@link SSHD_MAX_SESSIONS} and
 * reloads sshd, on any box: the setting goes first in sshd_config (sshd keeps the first value it
 * reads, drop-in folders included). Does nothing when sshd allows as many already. Connections
 * made before keep their limit: close the shared connection after it.
 */
export function raiseSessionLimitScript(): string {
  return [
    "set -eu",
    `max=$(sshd -T | awk '$1 == "maxsessions" { print $2 }')`,
    `if [ "$max" -lt ${SSHD_MAX_SESSIONS} ]; then`,
    `  sed -i -e '1i # kubelab: sessions enough for its commands over one shared connection' -e '1i MaxSessions ${SSHD_MAX_SESSIONS}' /etc/ssh/sshd_config`,
    "  sshd -t",
    "  systemctl reload sshd 2>/dev/null || systemctl reload ssh",
    "fi",
  ].join("\n");
}

/** The session limit of each node's shared connection, by SSH config file and node. */
const sessionLimits = new Map<string, LimitFunction>();

function sessionLimit(configFile: string, node: string): LimitFunction {
  const key = `${configFile}\0${node}`;
  let limit = sessionLimits.get(key);
  if (!limit) sessionLimits.set(key, (limit = pLimit(SESSIONS_PER_NODE)));
  return limit;
}

/** How long a shared connection outlives its last use. */
const CONTROL_PERSIST_SECONDS = 120;

/**
 * The SSH configuration kubelab uses for a lab's VMs: Vagrant's per-host settings, and for every
 * host connection sharing, keep-alives and a cipher that is fast without AES instructions (VMs
 * under software emulation have none).
 */
export function sshConfigText(vagrantSshConfig: string, controlDir: string): string {
  return [
    "# kubelab: SSH to this lab's VMs (from `vagrant ssh-config`, with connection sharing)",
    vagrantSshConfig.trim(),
    "",
    "Host *",
    "  ControlMaster auto",
    `  ControlPath ${join(controlDir, "%n")}`,
    `  ControlPersist ${CONTROL_PERSIST_SECONDS}`,
    "  ServerAliveInterval 5",
    "  ServerAliveCountMax 6",
    "  ConnectTimeout 10",
    "  Ciphers chacha20-poly1305@openssh.com,aes128-ctr",
    "  LogLevel ERROR",
    "",
  ].join("\n");
}

/** Writes the SSH configuration of a lab. */
export async function writeSshConfig(file: string, controlDir: string, vagrantSshConfig: string): Promise<void> {
  await mkdir(controlDir, { recursive: true, mode: 0o700 });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, sshConfigText(vagrantSshConfig, controlDir), 0o600);
}

/** ssh's own failures (exit code 255 with ssh's message), as opposed to the command's. */
const SSH_FAILURE = /^(ssh:|Can.t open user config file|kex_exchange|Connection (closed|refused|timed out)|mux_client|Control socket|Host key verification|Permission denied \(publickey)/m;

/**
 * Runs argv as root on `node` over the shared connection, at most {@link SESSIONS_PER_NODE} at
 * once per node. Never throws for a non-zero exit.
 */
export function sshExec(configFile: string, node: string, argv: string[], options: ExecOptions & { stdinStream?: Readable } = {}): Promise<ExecResult> {
  return sessionLimit(configFile, node)(() => sshSession(configFile, node, argv, options));
}

async function sshSession(configFile: string, node: string, argv: string[], options: ExecOptions & { stdinStream?: Readable }): Promise<ExecResult> {
  const { onOutput } = options;
  const keepStdin = options.stdinStream !== undefined || options.keepStdinOpen === true;
  const child = execa("ssh", ["-F", configFile, node, "--", `sudo -n -- ${shellLine(argv)}`], {
    reject: false,
    stripFinalNewline: false,
    encoding: "utf8",
    // Streamed output is passed on, not kept.
    buffer: onOutput === undefined,
    ...(options.stdin !== undefined ? { input: options.stdin } : keepStdin ? {} : { stdin: "ignore" }),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  if (options.stdinStream && child.stdin) options.stdinStream.pipe(child.stdin);
  if (onOutput) {
    child.stdout?.on("data", (d: Buffer | string) => onOutput(Buffer.from(d), "stdout"));
    child.stderr?.on("data", (d: Buffer | string) => onOutput(Buffer.from(d), "stderr"));
  }
  const result = await child;
  const exitCode = result.exitCode ?? -1;
  if (exitCode === 255 && SSH_FAILURE.test(result.stderr)) {
    throw new UserError(`failed to reach node ${node} over SSH: ${result.stderr.trim().split("\n")[0]}`, {
      hint: `is the VM running? \`lab status\` shows it; the connection settings are in ${configFile}`,
    });
  }
  return { exitCode, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/**
 * The host command that opens an interactive root login shell on `node` over the shared
 * connection: a TTY is asked for (`-t`), and `sudo -i` gives root's login shell, as `lab shell`
 * gets in a container.
 */
export function sshShellArgv(configFile: string, node: string): string[] {
  return ["ssh", "-F", configFile, "-t", node, "--", "sudo -i"];
}

/** Closes a node's shared connection (nothing happens when there is none). */
export async function closeSsh(configFile: string, node: string): Promise<void> {
  await execa("ssh", ["-F", configFile, "-O", "exit", node], { reject: false, timeout: 10_000 });
}
