/**
 * The Vagrant provider: each node is a libvirt VM made by `vagrant up` from the lab's rendered
 * Vagrantfile, reached over SSH (one shared connection per node). Everything it makes in libvirt
 * carries the lab's name (see vagrant-names.ts), so `lab down` finds it even without the state.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createReadStream } from "node:fs";
import Docker from "dockerode";
import { execa } from "execa";
import pLimit from "p-limit";
import { pack, type Pack } from "tar-stream";
import { writeFileAtomic } from "../../atomic-write.js";
import { UserError } from "../../errors.js";
import { BOX_FILES, BOX_KERNEL_CMDLINE } from "../../images/box-files.js";
import { ensureNodeBox } from "../../images/node-box.js";
import { cacheHome, LabPaths } from "../../lab-paths.js";
import { hostSubnets, pickNodeSubnet } from "../../lab/pick-subnet.js";
import { prefixLength } from "../../plan/ipv4.js";
import type { Plan, PlannedNode } from "../../plan/plan.js";
import { nodeMac, renderVagrantfile, type VagrantSettings } from "../../render/vagrantfile.js";
import { LabResourcesByLab } from "../lab-resources.js";
import type { CreateNodesOptions, ExecOptions, ExecResult, LabResources, NodeFile, Provider, Share, Terminal } from "../provider.js";
import { detectAcceleration } from "./acceleration.js";
import { runVagrant } from "./vagrant-cli.js";
import { BASE_POOL, domainPrefix, labNetworkName, labOf, labPoolName, managementNetworkName } from "./vagrant-names.js";
import { closeSsh, raiseSessionLimitScript, SESSIONS_PER_NODE, SSHD_MAX_SESSIONS, sshExec, sshShellArgv, writeSshConfig } from "./ssh-session.js";
import {
  deletePool,
  ensurePool,
  listDomains,
  listNetworks,
  listPools,
  listVolumes,
  networkSubnets,
  removeDomain,
  removeNetwork,
  uploadVolume,
  virsh,
  volumePath,
} from "./virsh.js";

/** Where libvirt keeps the pools kubelab makes: libvirt's own images folder, readable by the hypervisor. */
const POOL_ROOT = "/var/lib/libvirt/images";

/** How long a VM may take from `vagrant up` returning to systemd being up (software emulation is slow). */
const BOOT_TIMEOUT_MS = 300_000;

/** How much longer waits are under software emulation (measured: control plane start-up ~10x a container's). */
const SOFTWARE_EMULATION_SLOWDOWN = 10;

/** What kubelab keeps beside the Vagrantfile. */
interface KeptSettings {
  management: string;
}

/** The Vagrant (libvirt) provider. */
export class VagrantProvider implements Provider {
  readonly name = "vagrant";
  /** VMs boot and start services slower than containers; under software emulation, far slower. */
  slowdown = 2;
  /** The box prepareImage settled on, and how it boots. */
  private box: { name: string; boot?: VagrantSettings["boot"] } | undefined;
  /** Labs whose SSH settings are known to be written. */
  private readonly sshReady = new Set<string>();

  async preflight(): Promise<void> {
    const [plugins, libvirt, acceleration] = await Promise.all([
      execa("vagrant", ["plugin", "list"], { reject: false, env: { VAGRANT_CHECKPOINT_DISABLE: "1" }, timeout: 60_000 }),
      virsh(["version"], { allowFailure: true }),
      detectAcceleration(),
    ]);
    if (acceleration.driver === "qemu") this.slowdown = SOFTWARE_EMULATION_SLOWDOWN;
    if (plugins.exitCode !== 0) {
      throw new UserError(`failed to run vagrant: ${(plugins.stderr || plugins.shortMessage || "").trim().split("\n")[0]}`, {
        hint: "install Vagrant and its libvirt plugin (Debian: `sudo apt-get install vagrant vagrant-libvirt libvirt-daemon-system`); `lab doctor` checks the host",
      });
    }
    if (!plugins.stdout.includes("vagrant-libvirt")) {
      throw new UserError("failed to use Vagrant: its libvirt plugin is not installed", {
        hint: "install it: `sudo apt-get install vagrant-libvirt` (Debian) or `vagrant plugin install vagrant-libvirt`",
      });
    }
    if (libvirt.exitCode !== 0) {
      throw new UserError(`failed to reach libvirtd: ${libvirt.stderr.trim().split("\n")[0]}`, {
        hint: "start it (`sudo systemctl start libvirtd`, or `sudo libvirtd --daemon` where systemd is not running) and make sure this user may use qemu:///system (group libvirt)",
      });
    }
  }

  async prepareImage(plan: Plan, onProgress?: (line: string) => void): Promise<string> {
    const acceleration = await detectAcceleration();
    onProgress?.(`libvirt driver ${acceleration.driver}: ${acceleration.reason}`);
    if (plan.box) {
      if (await this.haveBox(plan.box)) {
        this.box = { name: plan.box };
        return plan.box;
      }
      onProgress?.(`adding box ${plan.box}`);
      const added = await execa("vagrant", ["box", "add", plan.box, "--provider", "libvirt"], { reject: false, env: { VAGRANT_CHECKPOINT_DISABLE: "1" }, timeout: 1_800_000 });
      if (added.exitCode === 0) {
        this.box = { name: plan.box };
        return plan.box;
      }
      onProgress?.(`box ${plan.box} cannot be had (${(added.stderr || added.stdout).trim().split("\n").pop()}): using kubelab's own box instead`);
    }
    const report = await ensureNodeBox({ docker: new Docker(), workDir: join(cacheHome(), "build"), onProgress });
    this.box = { name: report.box, boot: await this.bootFiles(report.box, report.boxDir) };
    return report.box;
  }

  /** Whether Vagrant has a libvirt box of this name. */
  private async haveBox(name: string): Promise<boolean> {
    const listed = await execa("vagrant", ["box", "list", "--machine-readable"], { reject: false, env: { VAGRANT_CHECKPOINT_DISABLE: "1" } });
    const boxes = [...listed.stdout.matchAll(/,box-name,(.+)$/gm)].map((m) => m[1]);
    return boxes.includes(name);
  }

  /**
   * kubelab's box boots its kernel directly, naming it by a path in the box's folder, which the
   * hypervisor's user may not be able to read (root's home is closed to it): the kernel and initrd
   * go into the base pool once, and the Vagrantfile points there.
   */
  private async bootFiles(box: string, boxDir: string): Promise<VagrantSettings["boot"]> {
    await ensurePool(BASE_POOL, join(POOL_ROOT, BASE_POOL));
    const stem = box.replace(/[^\w.-]/g, "_");
    const upload = async (file: string): Promise<string> => {
      // Named by the file's time too: a box rebuilt under the same name brings its own kernel.
      const volume = `${stem}-${Math.round((await stat(join(boxDir, file))).mtimeMs)}-${file}`;
      const existing = await volumePath(BASE_POOL, volume);
      if (existing) return existing;
      return uploadVolume(BASE_POOL, volume, join(boxDir, file), (await stat(join(boxDir, file))).size);
    };
    return { kernel: await upload(BOX_FILES.kernel), initrd: await upload(BOX_FILES.initrd), cmdline: BOX_KERNEL_CMDLINE };
  }

  async usedSubnets(): Promise<string[]> {
    return networkSubnets();
  }

  async createNodes(plan: Plan, options: CreateNodesOptions): Promise<void> {
    const lab = plan.labName;
    const paths = new LabPaths(lab);
    const box = this.box ?? { name: options.image };
    const acceleration = await detectAcceleration();
    await ensurePool(BASE_POOL, join(POOL_ROOT, BASE_POOL));
    await ensurePool(labPoolName(lab), join(POOL_ROOT, labPoolName(lab)));

    const kept = await readKept(paths);
    const management = kept?.management ?? pickNodeSubnet([...(await networkSubnets()), ...hostSubnets(), plan.network.nodeSubnet, plan.network.podCidr, plan.network.serviceCidr]);
    const settings: VagrantSettings = {
      box: box.name,
      driver: acceleration.driver,
      prefix: domainPrefix(lab),
      network: labNetworkName(lab),
      management: { name: managementNetworkName(lab), cidr: management },
      pools: { base: BASE_POOL, lab: labPoolName(lab) },
      ...(box.boot ? { boot: box.boot } : {}),
    };
    await writeFileAtomic(paths.vagrantfile, renderVagrantfile(plan, settings));
    await writeFileAtomic(paths.vagrantSettings, `${JSON.stringify({ management } satisfies KeptSettings)}\n`);

    for (const node of plan.nodes) options.onNode?.(node.name, "creating");
    await runVagrant(["up", "--provider=libvirt", "--no-provision"], {
      cwd: paths.vagrantDir,
      what: `start the VMs of lab ${lab} (libvirt driver ${acceleration.driver}: ${acceleration.reason})`,
      onLine: (line, node) => {
        if (node === undefined) return;
        options.onOutput?.(node, line);
        if (/Waiting for SSH|Waiting for domain to get an IP/.test(line)) options.onNode?.(node, "booting");
      },
    });
    const sshConfig = await runVagrant(["ssh-config"], { cwd: paths.vagrantDir, what: `read the SSH settings of lab ${lab}` });
    await writeSshConfig(paths.sshConfig, paths.sshControlDir, sshConfig);

    await Promise.all(
      plan.nodes.map(async (node) => {
        await this.configureNode(plan, node);
        await this.raiseSessionLimit(lab, node.name);
        await this.waitForBoot(lab, node.name);
        await this.copyShares(lab, node.name, options.shares);
        options.onNode?.(node.name, "ready");
      }),
    );
  }

  /**
   * The node's hostname and its address on the lab network, set the same way on any box: by the
   * interface's MAC, persistently with systemd-networkd when the box runs it, else for this boot.
   */
  private async configureNode(plan: Plan, node: PlannedNode): Promise<void> {
    const mac = nodeMac(plan.labName, node.name);
    const address = `${node.ip}/${prefixLength(plan.network.nodeSubnet)}`;
    const script = [
      "set -eu",
      `hostname ${node.name}; echo ${node.name} > /etc/hostname`,
      `dev=$(ip -o link | awk -v mac=${mac} 'tolower($0) ~ mac { sub(":", "", $2); sub("@.*", "", $2); print $2; exit }')`,
      `[ -n "$dev" ] || { echo "no interface with MAC ${mac}" >&2; exit 1; }`,
      "if systemctl is-active --quiet systemd-networkd; then",
      `  printf '[Match]\\nMACAddress=${mac}\\n\\n[Network]\\nAddress=${address}\\nLinkLocalAddressing=no\\n' > /etc/systemd/network/10-kubelab-lab.network`,
      "  networkctl reload && networkctl reconfigure \"$dev\"",
      "fi",
      `ip link set "$dev" up; ip addr replace ${address} dev "$dev"`,
    ].join("\n");
    const result = await this.exec(plan.labName, node.name, ["sh", "-c", script]);
    if (result.exitCode !== 0) {
      throw new UserError(`failed to put node ${node.name} on the lab network: ${(result.stderr || result.stdout).trim()}`, {
        hint: `the VM runs; look around with: lab exec ${plan.labName} ${node.name} -- ip a`,
      });
    }
  }

  /**
   * sshd's sessions per connection raised for kubelab's commands (see {@link SSHD_MAX_SESSIONS});
   * the shared connection, made under the old limit, is closed: the next command opens another.
   */
  private async raiseSessionLimit(lab: string, node: string): Promise<void> {
    const result = await this.exec(lab, node, ["sh", "-c", raiseSessionLimitScript()]);
    if (result.exitCode !== 0) {
      throw new UserError(`failed to raise sshd's sessions per connection in node ${node} to ${SSHD_MAX_SESSIONS}: ${(result.stderr || result.stdout).trim()}`, {
        hint: `kubelab runs up to ${SESSIONS_PER_NODE} commands at once over one SSH connection; look with: lab exec ${lab} ${node} -- sshd -T`,
      });
    }
    await closeSsh(await this.sshConfig(lab, node, "close its SSH connection"), node);
  }

  private async waitForBoot(lab: string, node: string): Promise<void> {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    let last: ExecResult | undefined;
    while (Date.now() < deadline) {
      last = await this.exec(lab, node, ["systemctl", "is-system-running", "--wait"]);
      if (/^(running|degraded)/.test(last.stdout.trim())) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new UserError(`failed to boot node ${node}: systemd did not come up within ${BOOT_TIMEOUT_MS / 1000}s`, {
      hint: `systemctl said: ${(last?.stdout ?? "").trim()}; look with: lab exec ${lab} ${node} -- systemctl --failed`,
    });
  }

  /** Binaries and plugins the lab brings, copied in (a VM shares nothing with the host). */
  private async copyShares(lab: string, node: string, shares: Share[]): Promise<void> {
    if (!shares.length) return;
    const tar = pack();
    const finished = (async () => {
      for (const share of shares) await addToTar(tar, share.hostPath, share.nodePath.replace(/^\/+/, ""));
      tar.finalize();
    })();
    const result = await this.exec(lab, node, ["tar", "-x", "-p", "-C", "/", "-f", "-"], { stdinStream: tar as unknown as Readable });
    await finished;
    if (result.exitCode !== 0) throw new UserError(`failed to copy the lab's binaries into node ${node}: ${result.stderr.trim()}`);
  }

  async exec(lab: string, node: string, argv: string[], options: ExecOptions & { stdinStream?: Readable } = {}): Promise<ExecResult> {
    return sshExec(await this.sshConfig(lab, node, "run a command"), node, argv, options);
  }

  async shell(lab: string, node: string, terminal: Terminal): Promise<number> {
    const [command, ...args] = sshShellArgv(await this.sshConfig(lab, node, "open a shell"), node);
    const result = await execa(command!, args, { stdio: [terminal.stdin, terminal.stdout, "inherit"], reject: false });
    return result.exitCode ?? -1;
  }

  /** The lab's SSH settings file; a UserError when the lab has none (its VMs never came up). */
  private async sshConfig(lab: string, node: string, action: string): Promise<string> {
    const config = new LabPaths(lab).sshConfig;
    // Checked once per lab, not on every command: ssh itself reports a VM that went away.
    if (!this.sshReady.has(lab)) {
      if (!(await stat(config).catch(() => undefined))) {
        throw new UserError(`failed to ${action} on node ${node} of lab ${lab}: the lab has no running VMs`, { hint: `is the lab up? \`lab status ${lab}\`` });
      }
      this.sshReady.add(lab);
    }
    return config;
  }

  async copyFiles(lab: string, node: string, files: NodeFile[]): Promise<void> {
    const tar = pack();
    for (const f of files) tar.entry({ name: f.path.replace(/^\/+/, ""), mode: f.mode, mtime: new Date(0) }, f.content);
    tar.finalize();
    const result = await this.exec(lab, node, ["tar", "-x", "-p", "-C", "/", "-f", "-"], { stdinStream: tar as unknown as Readable });
    if (result.exitCode !== 0) throw new UserError(`failed to copy files into node ${node} of lab ${lab}: ${result.stderr.trim()}`);
  }

  async list(lab?: string): Promise<LabResources[]> {
    const [domains, networks, pools] = await Promise.all([listDomains(), listNetworks(), listPools()]);
    const labs = new LabResourcesByLab(this.name, lab);
    const wanted = (name: string): string | undefined => {
      const owner = labOf(name);
      return owner !== undefined && (lab === undefined || owner === lab) ? owner : undefined;
    };
    for (const d of domains) {
      const owner = wanted(d.name);
      if (owner) labs.of(owner).nodes.push({ name: d.name.slice(domainPrefix(owner).length), id: d.name, state: d.running ? "running" : "stopped" });
    }
    for (const n of networks) {
      const owner = wanted(n);
      if (owner) labs.of(owner).networks.push(n);
    }
    for (const p of pools) {
      const owner = wanted(p);
      if (owner) labs.of(owner).volumes.push(p, ...(await listVolumes(p)).map((v) => `${p}/${v}`));
    }
    return labs.all();
  }

  async delete(lab: string): Promise<LabResources> {
    const [found] = await this.list(lab);
    const paths = new LabPaths(lab);
    await Promise.all((found?.nodes ?? []).map((n) => closeSsh(paths.sshConfig, n.name)));
    // Vagrant first, as the issue of the VMs; then whatever is left by label, for half-made labs
    // and labs whose state directory is gone.
    if (await stat(paths.vagrantfile).catch(() => undefined)) {
      await runVagrant(["destroy", "-f"], { cwd: paths.vagrantDir, what: `destroy the VMs of lab ${lab}` }).catch(() => undefined);
    }
    const limit = pLimit(4);
    const [left] = await this.list(lab);
    await Promise.all((left?.nodes ?? []).map((n) => limit(() => removeDomain(n.id))));
    for (const network of new Set([...(left?.networks ?? []), labNetworkName(lab), managementNetworkName(lab)])) await removeNetwork(network);
    await deletePool(labPoolName(lab));
    return found ?? { lab, provider: this.name, nodes: [], networks: [], volumes: [] };
  }

  /** Halts the lab's VMs (`vagrant halt`); `lab start` brings them back. */
  async stop(lab: string): Promise<void> {
    const paths = new LabPaths(lab);
    const [found] = await this.list(lab);
    await Promise.all((found?.nodes ?? []).map((n) => closeSsh(paths.sshConfig, n.name)));
    await runVagrant(["halt"], { cwd: paths.vagrantDir, what: `halt the VMs of lab ${lab}` });
  }
}

/** Adds a host file, or a folder's files, to a tar stream under `name`. */
async function addToTar(tar: Pack, hostPath: string, name: string): Promise<void> {
  const info = await stat(hostPath);
  if (info.isDirectory()) {
    for (const child of await readdir(hostPath)) await addToTar(tar, join(hostPath, child), `${name}/${child}`);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const entry = tar.entry({ name, size: info.size, mode: info.mode & 0o7777, mtime: info.mtime }, (error) => (error ? reject(error) : resolve()));
    createReadStream(hostPath).on("error", reject).pipe(entry);
  });
}

async function readKept(paths: LabPaths): Promise<KeptSettings | undefined> {
  try {
    return JSON.parse(await readFile(paths.vagrantSettings, "utf8")) as KeptSettings;
  } catch {
    return undefined;
  }
}
