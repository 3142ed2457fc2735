/**
 * The `vagrant` command, run in a lab's Vagrant project with its output streamed line by line
 * and each line attributed to the machine (node) it is about.
 */
import { execa } from "execa";
import { CommandError, shellLine } from "../../errors.js";

/** Options of one vagrant run. */
export interface VagrantRunOptions {
  /** The Vagrant project folder (holds the Vagrantfile). */
  cwd: string;
  /** Each line Vagrant prints, with the node it names (undefined for the project as a whole). */
  onLine?: (line: string, node: string | undefined) => void;
  /** What the user was doing, for the error message ("start the VMs"). */
  what: string;
  signal?: AbortSignal;
  /** Seconds before giving up. */
  timeoutSeconds?: number;
}

/** The environment every vagrant run gets: no version check calls home, no colour codes. */
export function vagrantEnv(cwd: string): NodeJS.ProcessEnv {
  return { VAGRANT_CWD: cwd, VAGRANT_CHECKPOINT_DISABLE: "1", VAGRANT_DEFAULT_PROVIDER: "libvirt", VAGRANT_NO_COLOR: "1" };
}

/** `==> node1: Creating domain...` and `    node1: ...`: the machine a line is about. */
const MACHINE_LINE = /^(?:==> |\s{4})([a-z0-9-]+): (.*)$/;

/** Runs `vagrant args...`; throws a CommandError with Vagrant's last lines when it fails. */
export async function runVagrant(args: string[], options: VagrantRunOptions): Promise<string> {
  const argv = ["vagrant", ...args, "--no-color"];
  const child = execa(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: vagrantEnv(options.cwd),
    reject: false,
    all: true,
    timeout: (options.timeoutSeconds ?? 1800) * 1000,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  const lines: string[] = [];
  let partial = "";
  child.all?.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      const m = MACHINE_LINE.exec(line);
      options.onLine?.(m ? m[2]! : line, m?.[1]);
    }
  });
  const result = await child;
  if (partial) lines.push(partial);
  if (result.exitCode !== 0) {
    throw new CommandError(`failed to ${options.what}: vagrant ${args[0]} exited with code ${result.exitCode ?? "none"}${result.timedOut ? " (timed out)" : ""}`, {
      command: `VAGRANT_CWD=${options.cwd} ${shellLine(argv)}`,
      where: "host",
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      output: lines.slice(-30).join("\n"),
    }, { hint: "Vagrant's output above says why; `lab doctor` checks vagrant, libvirtd and KVM" });
  }
  return lines.join("\n");
}
