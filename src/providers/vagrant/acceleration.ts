/**
 * Whether VMs get hardware virtualisation (libvirt driver kvm) or QEMU's software emulation
 * (driver qemu, with a CPU model it emulates fully). /dev/kvm existing is not enough: on some hosts
 * the device opens and QEMU then asserts or hangs. So KVM is only chosen when this user can open
 * the device read-write and a real QEMU, started with KVM and the host's CPU (what libvirt's
 * default CPU mode asks for), runs its firmware for a moment and says KVM is enabled.
 */
import { spawn } from "node:child_process";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { errorMessage } from "../../errors.js";
import { canOpenReadWrite, currentIdentity, describeDevice, deviceFacts, KVM_DEVICE, userName } from "./kvm-device.js";

/** The libvirt driver VMs use here, and why. */
export interface Acceleration {
  driver: "kvm" | "qemu";
  /** Why, in plain words. */
  reason: string;
}

/** Options of {@link detectAcceleration}. */
export interface DetectAccelerationOptions {
  /** The device whose permissions are checked first (default /dev/kvm; QEMU itself always opens /dev/kvm). */
  device?: string;
  /** The QEMU system emulator (default the one for this machine's architecture, on PATH). */
  qemu?: string;
  /** The CPU model QEMU is tried with (default host: the host's CPU, as libvirt's default CPU mode gives guests). */
  cpu?: string;
  /** How long QEMU may take to answer (default 5 s). */
  timeoutMs?: number;
}

/** How long the guest's firmware runs under KVM before QEMU is asked whether it still runs. */
const RUN_MS = 300;

const cache = new Map<string, Promise<Acceleration>>();

/** The QEMU system emulator for this machine's architecture. */
export function qemuBinary(): string {
  return process.arch === "arm64" ? "qemu-system-aarch64" : "qemu-system-x86_64";
}

/**
 * Finds out whether KVM works here. The answer is kept for the life of the process: a second call
 * with the same options costs nothing.
 */
export function detectAcceleration(options: DetectAccelerationOptions = {}): Promise<Acceleration> {
  const key = JSON.stringify([options.device, options.qemu, options.cpu, options.timeoutMs]);
  let found = cache.get(key);
  if (!found) {
    found = detect(options.device ?? KVM_DEVICE, options.qemu ?? qemuBinary(), options.cpu ?? "host", options.timeoutMs ?? 5000);
    cache.set(key, found);
  }
  return found;
}

async function detect(device: string, qemu: string, cpu: string, timeoutMs: number): Promise<Acceleration> {
  const qemuDriver = (reason: string): Acceleration => ({ driver: "qemu", reason });
  const facts = await deviceFacts(device);
  if (!facts) return qemuDriver(`there is no ${device}: the CPU's virtualisation is off or absent, or the kvm module is not loaded`);
  if (!facts.charDevice) return qemuDriver(`${device} is not a character device`);
  try {
    await (await open(device, "r+")).close();
  } catch (error) {
    const who = currentIdentity();
    const user = `${await userName(who.uid)} (uid ${who.uid})`;
    const reason = `${device} is ${describeDevice(facts)}: ${user} cannot open it read-write`;
    // The bits allow it, yet the kernel refused (an ACL, a security module): say what it said.
    return qemuDriver(canOpenReadWrite(facts, who) ? `${reason} (${errorMessage(error)})` : reason);
  }
  const probe = await probeKvm(qemu, cpu, timeoutMs);
  return probe.ok ? { driver: "kvm", reason: probe.reason } : qemuDriver(probe.reason);
}

/** The outcome of running QEMU with KVM. */
interface Probe {
  ok: boolean;
  reason: string;
}

/**
 * Starts QEMU with KVM and no devices, lets the firmware run briefly, asks over QMP whether KVM is
 * enabled and the guest still runs, then kills it. On a timeout too: no QEMU is left behind.
 */
async function probeKvm(qemu: string, cpu: string, timeoutMs: number): Promise<Probe> {
  const machine = process.arch === "arm64" ? "virt,accel=kvm" : "q35,accel=kvm";
  const args = ["-machine", machine, "-cpu", cpu, "-m", "64", "-display", "none", "-nodefaults", "-no-user-config", "-qmp", "stdio"];
  const child = spawn(qemu, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // A QMP write after QEMU died must not crash the process.
  child.stdin.on("error", () => undefined);
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const send = (command: string, id: string): void => void child.stdin.write(`${JSON.stringify({ execute: command, id })}\n`);
  const qemuSaid = (): string =>
    stderr
      .split("\n")
      .map((l) => l.trim().replace(/^qemu-system-\w+: /, ""))
      .filter(Boolean)
      .slice(-2)
      .join("; ");

  const conversation = new Promise<Probe>((resolve) => {
    let kvm: { enabled?: boolean; present?: boolean } | undefined;
    createInterface({ input: child.stdout }).on("line", (line) => {
      let message: { QMP?: unknown; id?: string; return?: Record<string, unknown>; error?: { desc?: string } };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (message.QMP) send("qmp_capabilities", "capabilities");
      else if (message.error) resolve({ ok: false, reason: `qemu refused ${message.id ?? "a command"}: ${message.error.desc ?? "no reason given"}` });
      else if (message.id === "capabilities") send("query-kvm", "kvm");
      else if (message.id === "kvm") {
        kvm = message.return as typeof kvm;
        setTimeout(() => send("query-status", "status"), RUN_MS);
      } else if (message.id === "status") {
        const status = String(message.return?.status ?? "unknown");
        if (!kvm?.enabled) resolve({ ok: false, reason: `qemu runs but without KVM (KVM ${kvm?.present ? "present but not enabled" : "not present"})` });
        else if (status !== "running") resolve({ ok: false, reason: `the guest stopped under KVM (qemu status ${status})` });
        else resolve({ ok: true, reason: `qemu ran a guest with KVM (CPU ${cpu})` });
      }
    });
    child.once("error", (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, reason: error.code === "ENOENT" ? `${qemu} is not installed (not on PATH), so KVM could not be tried` : `${qemu} could not be started: ${error.message}` }),
    );
    void exited.then(() => resolve({ ok: false, reason: `qemu could not use KVM: ${qemuSaid() || `it exited (${child.exitCode ?? child.signalCode})`}` }));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Probe>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer from qemu with KVM within ${timeoutMs >= 1000 ? `${timeoutMs / 1000}s` : `${timeoutMs}ms`}` }), timeoutMs);
  });
  try {
    return await Promise.race([conversation, timeout]);
  } finally {
    clearTimeout(timer);
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      // A process stuck in the kernel dies when it leaves it; it must not hold up the caller.
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    }
  }
}
