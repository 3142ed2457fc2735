/**
 * libvirt through `virsh` (qemu:///system, the connection vagrant-libvirt uses): what kubelab
 * lists, sweeps and prepares there besides what Vagrant does itself.
 */
import { execa } from "execa";
import { CommandError, shellLine } from "../../errors.js";
import { networkAddress } from "../../plan/ipv4.js";

/** The libvirt connection every call uses. */
export const LIBVIRT_URI = "qemu:///system";

/** Runs virsh; throws a CommandError when it fails unless `allowFailure`. */
export async function virsh(args: string[], options: { allowFailure?: boolean; input?: Buffer | string } = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const argv = ["virsh", "-c", LIBVIRT_URI, ...args];
  const result = await execa(argv[0]!, argv.slice(1), { reject: false, timeout: 120_000, ...(options.input !== undefined ? { input: options.input } : {}) });
  const exitCode = result.exitCode ?? -1;
  if (exitCode !== 0 && !options.allowFailure) {
    throw new CommandError(`failed to run virsh ${args[0]}: ${(result.stderr || result.shortMessage || "").trim().split("\n")[0]}`, {
      command: shellLine(argv),
      where: "host",
      exitCode,
      output: `${result.stdout}\n${result.stderr}`.trim(),
    }, { hint: "is libvirtd running and may this user use qemu:///system? `lab doctor` checks" });
  }
  return { exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Names printed one per line. */
function names(stdout: string): string[] {
  return stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** A libvirt domain and whether it runs. */
export interface Domain {
  name: string;
  running: boolean;
}

/** Every domain (running or not). */
export async function listDomains(): Promise<Domain[]> {
  const [all, running] = await Promise.all([virsh(["list", "--all", "--name"]), virsh(["list", "--state-running", "--name"])]);
  const up = new Set(names(running.stdout));
  return names(all.stdout).map((name) => ({ name, running: up.has(name) }));
}

/** Every network's name. */
export async function listNetworks(): Promise<string[]> {
  return names((await virsh(["net-list", "--all", "--name"])).stdout);
}

/** The IPv4 networks (CIDR) of every libvirt network, active or not. */
export async function networkSubnets(): Promise<string[]> {
  const subnets: string[] = [];
  for (const name of await listNetworks()) {
    const xml = (await virsh(["net-dumpxml", name], { allowFailure: true })).stdout;
    for (const m of xml.matchAll(/<ip\b[^>]*\baddress=['"]([\d.]+)['"][^>]*?(?:netmask=['"]([\d.]+)['"]|prefix=['"](\d+)['"])/g)) {
      const prefix = m[3] ? Number(m[3]) : m[2]!.split(".").reduce((bits, octet) => bits + Number(octet).toString(2).replace(/0/g, "").length, 0);
      subnets.push(`${networkAddress(`${m[1]}/${prefix}`)}/${prefix}`);
    }
  }
  return subnets;
}

/** Every storage pool's name. */
export async function listPools(): Promise<string[]> {
  return names((await virsh(["pool-list", "--all", "--name"])).stdout);
}

/** The volumes of a pool (none when the pool is missing). */
export async function listVolumes(pool: string): Promise<string[]> {
  const result = await virsh(["vol-list", pool], { allowFailure: true });
  if (result.exitCode !== 0) return [];
  return result.stdout.split("\n").slice(2).map((l) => l.trim().split(/\s+/)[0] ?? "").filter(Boolean);
}

/** Makes sure a directory pool exists and runs; `dir` is used when it has to be made. */
export async function ensurePool(name: string, dir: string): Promise<void> {
  if (!(await listPools()).includes(name)) {
    await virsh(["pool-define-as", name, "dir", "--target", dir]);
    await virsh(["pool-build", name]);
  }
  const info = (await virsh(["pool-info", name])).stdout;
  if (!/^State:\s+running/m.test(info)) await virsh(["pool-start", name]);
}

/** Removes a pool with its volumes and folder; nothing happens when there is no such pool. */
export async function deletePool(name: string): Promise<void> {
  if (!(await listPools()).includes(name)) return;
  for (const volume of await listVolumes(name)) await virsh(["vol-delete", volume, "--pool", name], { allowFailure: true });
  await virsh(["pool-destroy", name], { allowFailure: true });
  await virsh(["pool-delete", name], { allowFailure: true });
  await virsh(["pool-undefine", name]);
}

/** The path of a volume on the host, or undefined when it does not exist. */
export async function volumePath(pool: string, volume: string): Promise<string | undefined> {
  const result = await virsh(["vol-path", volume, "--pool", pool], { allowFailure: true });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Uploads a host file as a raw volume of a pool (the hypervisor can read pool volumes). */
export async function uploadVolume(pool: string, volume: string, file: string, sizeBytes: number): Promise<string> {
  await virsh(["vol-create-as", pool, volume, String(sizeBytes), "--format", "raw"]);
  await virsh(["vol-upload", volume, file, "--pool", pool]);
  return (await volumePath(pool, volume))!;
}

/** Forces a domain off and removes its definition; its disks go with the lab's pool. */
export async function removeDomain(name: string): Promise<void> {
  await virsh(["destroy", name], { allowFailure: true });
  await virsh(["undefine", name, "--nvram"], { allowFailure: true }).then((r) => (r.exitCode === 0 ? r : virsh(["undefine", name])));
}

/** Stops and removes a network; nothing happens when there is no such network. */
export async function removeNetwork(name: string): Promise<void> {
  if (!(await listNetworks()).includes(name)) return;
  await virsh(["net-destroy", name], { allowFailure: true });
  await virsh(["net-undefine", name]);
}
