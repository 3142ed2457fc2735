/**
 * The provider interface: the only thing that knows whether nodes are containers or VMs.
 * Steps and checks use these few methods and nothing else.
 */
import type { Plan } from "../plan/plan.js";

/** A host path made available read-only inside every node. */
export interface Share {
  hostPath: string;
  nodePath: string;
}

/** A file to place in a node. */
export interface NodeFile {
  /** Absolute path inside the node. */
  path: string;
  content: string | Buffer;
  /** Permission bits, e.g. 0o600. */
  mode: number;
}

/** The result of a command run in a node. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link Provider.exec}. */
export interface ExecOptions {
  /** Bytes written to the command's stdin. */
  stdin?: string | Buffer;
  /** Aborts the command. */
  signal?: AbortSignal;
  /**
   * Receives the output as it comes, instead of it being kept: the result's stdout and stderr are
   * then empty. For commands that run until aborted (`journalctl -f`).
   */
  onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void;
  /**
   * Attaches the command's stdin and keeps it open, without writing to it, until the command ends
   * or is aborted; the abort then closes it. A command that waits for its stdin to close (`cat`)
   * learns that way that nobody reads it any more: neither Docker nor SSH ends a command in the
   * node when its reader goes away.
   */
  keepStdinOpen?: boolean;
}

/** The terminal an interactive shell runs on: this process's own, in the CLI. */
export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

/** What {@link Provider.createNodes} needs besides the plan. */
export interface CreateNodesOptions {
  /** Host paths to make available in every node. */
  shares: Share[];
  /** Node image (containers) or box (VMs). */
  image: string;
  /** Called as each node comes up. */
  onNode?: (node: string, phase: "creating" | "booting" | "ready") => void;
  /** Lines the provider's tools print about a node while creating it (Vagrant's output). */
  onOutput?: (node: string, line: string) => void;
  /** Stops waiting for the nodes to boot (Ctrl-C). */
  signal?: AbortSignal;
}

/** A node as the provider sees it. */
export interface NodeStatus {
  name: string;
  /** Container or VM name. */
  id: string;
  state: "running" | "stopped" | "missing" | "other";
  ip?: string;
  createdAt?: string;
}

/** What a provider holds for a lab. */
export interface LabResources {
  lab: string;
  provider: string;
  nodes: NodeStatus[];
  networks: string[];
  volumes: string[];
}

/** A provider of nodes: containers (Docker) or virtual machines (Vagrant). */
export interface Provider {
  readonly name: string;
  /** How many times longer than in a container things take in its nodes; every wait scales by it. Known after preflight. */
  readonly slowdown: number;
  /** Fails with a UserError naming the fix when the provider cannot run (engine unreachable...). */
  preflight(): Promise<void>;
  /**
   * Makes sure the node image (containers) or box (VMs) exists, building it when missing;
   * resolves with its name.
   */
  prepareImage(plan: Plan, onProgress?: (line: string) => void): Promise<string>;
  /** Networks (CIDRs) already in use where this provider makes its networks. */
  usedSubnets(): Promise<string[]>;
  /** Creates the lab's network and nodes and resolves once every node's init is up. */
  createNodes(plan: Plan, options: CreateNodesOptions): Promise<void>;
  /** Runs argv in a node. Never throws for a non-zero exit; see {@link ExecResult.exitCode}. */
  exec(lab: string, node: string, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Runs an interactive login shell as root in a node on `terminal` (a TTY), until it exits;
   * resolves with its exit code.
   */
  shell(lab: string, node: string, terminal: Terminal): Promise<number>;
  /** Writes files into a node, creating directories as needed. */
  copyFiles(lab: string, node: string, files: NodeFile[]): Promise<void>;
  /** Everything the provider holds for one lab, or for every lab when `lab` is undefined. */
  list(lab?: string): Promise<LabResources[]>;
  /** Stops the lab's nodes, keeping them (`lab start` brings them back). */
  stop(lab: string): Promise<void>;
  /** Removes every node, network and volume of a lab, found by label; safe on a half-made lab. */
  delete(lab: string): Promise<LabResources>;
}
