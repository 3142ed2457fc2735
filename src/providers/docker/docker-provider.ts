/**
 * The Docker provider: each node is a container running systemd, on one bridge network per lab
 * with a fixed subnet, everything labelled io.kubelab.lab / io.kubelab.node. Talks to the engine
 * through its API (dockerode), never through the docker CLI.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import pLimit from "p-limit";
import { pack } from "tar-stream";
import { errorMessage, UserError } from "../../errors.js";
import { writeFileAtomic } from "../../atomic-write.js";
import { cacheHome } from "../../lab-paths.js";
import type { Plan, PlannedNode } from "../../plan/plan.js";
import { LabResourcesByLab } from "../lab-resources.js";
import type {
  CreateNodesOptions,
  ExecOptions,
  ExecResult,
  LabResources,
  NodeFile,
  NodeStatus,
  Provider,
  Terminal,
} from "../provider.js";
import { attachTerminal } from "./attach-terminal.js";
import { ensureNodeImage } from "./node-image.js";
import { containerName, LAB_LABEL, networkName, NODE_LABEL, volumeName } from "./docker-names.js";

/** How long a node may take from `docker start` to systemd being up. */
const BOOT_TIMEOUT_MS = 60_000;

/** Whether nodes run with --privileged: "auto" tries it and falls back when the host refuses it. */
export type PrivilegedMode = "auto" | "always" | "never";

/** Options of the Docker provider. */
export interface DockerProviderOptions {
  docker?: Docker;
  privileged?: PrivilegedMode;
}

/** What kubelab learnt about a Docker engine. */
interface EngineFacts {
  id: string;
  /** Whether it grants --privileged. */
  privileged?: boolean;
}

/** The settings a systemd node container needs without --privileged (see ENVIRONMENT.md). */
function unprivilegedHostConfig(): Docker.HostConfig {
  return {
    CapAdd: ["ALL"],
    // Hosts whose engine lacks CAP_SYS_RESOURCE refuse ALL; dropping it is what lets them run.
    CapDrop: ["SYS_RESOURCE"],
    SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
    // The API's form of --security-opt systempaths=unconfined: /proc/sys writable, nothing masked.
    MaskedPaths: [],
    ReadonlyPaths: [],
    Devices: [{ PathOnHost: "/dev/kmsg", PathInContainer: "/dev/kmsg", CgroupPermissions: "rwm" }],
    // Privileged pods (kube-proxy as a static pod, CNI daemons) get every device in their own
    // device cgroup, which a child may only do when the node's cgroup allows it, as --privileged would.
    DeviceCgroupRules: ["a *:* rwm"],
  };
}

/** The Docker provider. */
export class DockerProvider implements Provider {
  readonly name = "docker";
  readonly slowdown = 1;
  private readonly docker: Docker;
  private privileged: PrivilegedMode;
  /** --privileged is used because an earlier run found it works here (so a refusal falls back). */
  private privilegedFromCache = false;

  constructor(options: DockerProviderOptions = {}) {
    this.docker = options.docker ?? new Docker();
    this.privileged = options.privileged ?? "auto";
  }

  /** The dockerode client (for image builds). */
  get client(): Docker {
    return this.docker;
  }

  async preflight(): Promise<void> {
    try {
      await Promise.race([
        this.docker.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error("no answer within 5s")), 5000).unref()),
      ]);
    } catch (error) {
      throw new UserError(`failed to reach the Docker engine: ${errorMessage(error)}`, {
        hint: "start it (`sudo systemctl start docker`, or `sudo dockerd &` where systemd is not running), or point DOCKER_HOST at one; `lab doctor` checks the host",
        cause: error,
      });
    }
  }

  async prepareImage(_plan: Plan, onProgress?: (line: string) => void): Promise<string> {
    const report = await ensureNodeImage({ docker: this.docker, workDir: join(cacheHome(), "build"), onProgress });
    return report.image;
  }

  async usedSubnets(): Promise<string[]> {
    const networks = await this.docker.listNetworks();
    return networks.flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : [])));
  }

  async createNodes(plan: Plan, options: CreateNodesOptions): Promise<void> {
    await this.ensureNetwork(plan);
    const engine = await this.engineFacts();
    if (this.privileged === "auto" && engine.privileged !== undefined) {
      this.privileged = engine.privileged ? "always" : "never";
      this.privilegedFromCache = engine.privileged;
    }
    const [first, ...rest] = plan.nodes;
    if (this.privileged === "auto" && first) {
      // Not known yet for this engine: the first node finds out whether --privileged works, the
      // others follow it, and the answer is kept for next time.
      await this.createNode(plan, first, options);
      await Promise.all(rest.map((node) => this.createNode(plan, node, options)));
      if (this.privileged !== "auto") await this.rememberEngine({ ...engine, privileged: this.privileged === "always" });
    } else {
      await Promise.all(plan.nodes.map((node) => this.createNode(plan, node, options)));
      // The engine no longer grants --privileged (a node fell back): remember that instead.
      if (this.privilegedFromCache && this.privileged === "never") await this.rememberEngine({ ...engine, privileged: false });
    }
    await Promise.all(plan.nodes.map((node) => this.waitForBoot(plan.labName, node.name, options)));
  }

  /** What an earlier run learnt about this engine (by its ID), kept in the cache. */
  private async engineFacts(): Promise<EngineFacts> {
    const id = ((await this.docker.info()) as { ID?: string }).ID ?? "unknown";
    try {
      const facts = JSON.parse(await readFile(join(cacheHome(), "engines", `${id.replace(/[^\w-]/g, "_")}.json`), "utf8")) as EngineFacts;
      return { ...facts, id };
    } catch {
      return { id };
    }
  }

  private async rememberEngine(facts: EngineFacts): Promise<void> {
    await writeFileAtomic(join(cacheHome(), "engines", `${facts.id.replace(/[^\w-]/g, "_")}.json`), `${JSON.stringify(facts)}\n`);
  }

  private async ensureNetwork(plan: Plan): Promise<void> {
    const name = networkName(plan.labName);
    const existing = (await this.docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
    if (existing) {
      const subnet = existing.IPAM?.Config?.[0]?.Subnet;
      if (subnet === plan.network.nodeSubnet && existing.Labels?.[LAB_LABEL] === plan.labName) return;
      throw new UserError(`failed to create network ${name}: it exists with subnet ${subnet ?? "none"}`, {
        hint: `remove the old lab first: lab down ${plan.labName}`,
      });
    }
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: "bridge",
        CheckDuplicate: true,
        IPAM: { Driver: "default", Config: [{ Subnet: plan.network.nodeSubnet, Gateway: plan.network.gateway }] },
        Options: { "com.docker.network.bridge.enable_ip_masquerade": "true" },
        Labels: { [LAB_LABEL]: plan.labName },
      });
    } catch (error) {
      throw new UserError(`failed to create network ${name} (${plan.network.nodeSubnet}): ${errorMessage(error)}`, {
        hint: "another network may use an overlapping subnet: pick a free network.nodeSubnet, or leave it out to get one",
        cause: error,
      });
    }
  }

  private async createNode(plan: Plan, node: PlannedNode, options: CreateNodesOptions): Promise<void> {
    const lab = plan.labName;
    const name = containerName(lab, node.name);
    options.onNode?.(node.name, "creating");
    const existing = await this.inspect(name);
    if (existing?.State?.Running) return;
    if (existing) {
      await this.docker.getContainer(name).start();
      return;
    }
    const labels = { [LAB_LABEL]: lab, [NODE_LABEL]: node.name };
    const volume = volumeName(lab, node.name);
    await this.docker.createVolume({ Name: volume, Labels: labels });

    const create = (privileged: boolean) =>
      this.docker.createContainer({
        name,
        Hostname: node.name,
        Image: options.image,
        Labels: { ...labels, "io.kubelab.roles": node.roles.join(",") },
        Env: ["container=docker"],
        StopSignal: "SIGRTMIN+3",
        HostConfig: {
          ...(privileged ? { Privileged: true, SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"] } : unprivilegedHostConfig()),
          CgroupnsMode: "private",
          Tmpfs: { "/run": "rw,nosuid,nodev,exec", "/tmp": "rw,nosuid,nodev,exec" },
          Binds: [`${volume}:/var`, ...options.shares.map((s) => `${s.hostPath}:${s.nodePath}:ro`)],
          NetworkMode: networkName(lab),
          RestartPolicy: { Name: "no" },
        },
        NetworkingConfig: {
          EndpointsConfig: { [networkName(lab)]: { IPAMConfig: { IPv4Address: node.ip }, Aliases: [node.name] } },
        },
      } as Docker.ContainerCreateOptions);

    const wantPrivileged = this.privileged !== "never";
    try {
      let container = await create(wantPrivileged);
      try {
        await container.start();
        if (wantPrivileged && this.privileged === "auto") this.privileged = "always";
      } catch (error) {
        const mayFallBack = this.privileged === "auto" || this.privilegedFromCache;
        if (!(wantPrivileged && mayFallBack && /caps|operation not permitted/i.test(errorMessage(error)))) throw error;
        // This host cannot grant --privileged (e.g. its engine lacks CAP_SYS_RESOURCE): use the
        // explicit capability set instead, for this node and the rest of the run.
        this.privileged = "never";
        await container.remove({ force: true });
        container = await create(false);
        await container.start();
      }
    } catch (error) {
      throw new UserError(`failed to start node ${node.name} (container ${name}): ${errorMessage(error)}`, {
        hint: `the engine refused the container; \`lab down ${lab}\` removes what was made`,
        cause: error,
      });
    }
    options.onNode?.(node.name, "booting");
  }

  private async waitForBoot(lab: string, node: string, options: CreateNodesOptions): Promise<void> {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    let last: ExecResult | undefined;
    while (Date.now() < deadline) {
      options.signal?.throwIfAborted();
      const state = await this.inspect(containerName(lab, node));
      if (!state?.State?.Running) {
        const logs = await this.containerLogs(lab, node);
        throw new UserError(`failed to boot node ${node}: its container stopped (exit code ${state?.State?.ExitCode})`, {
          hint: `the container's output ends with:\n${logs}`,
        });
      }
      last = await this.exec(lab, node, ["systemctl", "is-system-running", "--wait"], { signal: options.signal });
      if (/^(running|degraded)/.test(last.stdout.trim())) {
        options.onNode?.(node, "ready");
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new UserError(`failed to boot node ${node}: systemd did not come up within ${BOOT_TIMEOUT_MS / 1000}s`, {
      hint: `systemctl said: ${(last?.stdout + last!.stderr).trim()}; inspect with: docker logs ${containerName(lab, node)}`,
    });
  }

  private async containerLogs(lab: string, node: string): Promise<string> {
    try {
      const buf = (await this.docker.getContainer(containerName(lab, node)).logs({ stdout: true, stderr: true, tail: 20 })) as unknown as Buffer;
      return demuxBuffer(buf);
    } catch {
      return "(no logs)";
    }
  }

  private async inspect(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(name).inspect();
    } catch {
      return undefined;
    }
  }

  async exec(lab: string, node: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const attachStdin = options.stdin !== undefined || options.keepStdinOpen === true;
    const exec = await this.createExec(lab, node, "run a command", {
      Cmd: argv,
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: attachStdin,
      Tty: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: attachStdin })) as NodeJS.ReadWriteStream;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const { onOutput } = options;
    stdout.on("data", (d: Buffer) => (onOutput ? onOutput(d, "stdout") : out.push(d)));
    stderr.on("data", (d: Buffer) => (onOutput ? onOutput(d, "stderr") : err.push(d)));
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", reject);
    });
    const onAbort = (): void => {
      (stream as unknown as { destroy(): void }).destroy();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.stdin !== undefined) stream.end(options.stdin);
    try {
      await ended;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
    const info = await exec.inspect();
    return {
      exitCode: info.ExitCode ?? -1,
      stdout: Buffer.concat(out).toString(),
      stderr: Buffer.concat(err).toString(),
    };
  }

  async shell(lab: string, node: string, terminal: Terminal): Promise<number> {
    const exec = await this.createExec(lab, node, "open a shell", {
      Cmd: ["bash", "-l"],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: [`TERM=${process.env.TERM || "xterm"}`],
      WorkingDir: "/root",
    });
    return attachTerminal(exec, terminal);
  }

  /** An exec in a node's container; a UserError when the node is not there or not running. */
  private async createExec(lab: string, node: string, action: string, options: Docker.ExecCreateOptions): Promise<Docker.Exec> {
    try {
      return await this.docker.getContainer(containerName(lab, node)).exec(options);
    } catch (error) {
      throw new UserError(`failed to ${action} on node ${node} of lab ${lab}: ${errorMessage(error)}`, {
        hint: `is the lab up? \`lab status ${lab}\``,
        cause: error,
      });
    }
  }

  async copyFiles(lab: string, node: string, files: NodeFile[]): Promise<void> {
    const tar = pack();
    for (const f of files) tar.entry({ name: f.path.replace(/^\/+/, ""), mode: f.mode, mtime: new Date(0) }, f.content);
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    try {
      await this.docker.getContainer(containerName(lab, node)).putArchive(Buffer.concat(chunks), { path: "/" });
    } catch (error) {
      throw new UserError(`failed to copy files into node ${node} of lab ${lab}: ${errorMessage(error)}`, { cause: error });
    }
  }

  async list(lab?: string): Promise<LabResources[]> {
    const label = lab ? `${LAB_LABEL}=${lab}` : LAB_LABEL;
    const filters = { label: [label] };
    const [containers, networks, volumes] = await Promise.all([
      this.docker.listContainers({ all: true, filters }),
      this.docker.listNetworks({ filters }),
      this.docker.listVolumes({ filters }),
    ]);
    const labs = new LabResourcesByLab(this.name, lab);
    for (const c of containers) {
      const name = c.Labels[LAB_LABEL]!;
      const node: NodeStatus = {
        name: c.Labels[NODE_LABEL] ?? c.Names[0]!.replace(/^\//, ""),
        id: c.Names[0]!.replace(/^\//, ""),
        state: c.State === "running" ? "running" : c.State === "exited" || c.State === "created" ? "stopped" : "other",
        ip: Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress || undefined,
        createdAt: new Date(c.Created * 1000).toISOString(),
      };
      labs.of(name).nodes.push(node);
    }
    for (const n of networks) labs.of(n.Labels![LAB_LABEL]!).networks.push(n.Name);
    for (const v of volumes.Volumes ?? []) labs.of(v.Labels[LAB_LABEL]!).volumes.push(v.Name);
    return labs.all();
  }

  async stop(lab: string): Promise<void> {
    const [found] = await this.list(lab);
    await Promise.all((found?.nodes ?? []).filter((n) => n.state === "running").map((n) => this.docker.getContainer(n.id).stop({ t: 10 })));
  }

  async delete(lab: string): Promise<LabResources> {
    const [found] = await this.list(lab);
    const resources = found!;
    const limit = pLimit(8);
    await Promise.all(
      resources.nodes.map((n) => limit(() => this.docker.getContainer(n.id).remove({ force: true, v: true }))),
    );
    await Promise.all(resources.networks.map((n) => this.docker.getNetwork(n).remove()));
    await Promise.all(resources.volumes.map((v) => this.docker.getVolume(v).remove()));
    return resources;
  }
}

/** The text of a multiplexed (non-TTY) log buffer. */
function demuxBuffer(buf: Buffer): string {
  const parts: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size).toString());
    i += 8 + size;
  }
  return parts.join("").trim();
}
