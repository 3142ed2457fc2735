/**
 * Every path kubelab writes on the host. Labs live under the state home
 * ($KUBELAB_HOME, default $XDG_STATE_HOME/kubelab), downloaded and imported binaries under the
 * cache ($KUBELAB_CACHE, default $XDG_CACHE_HOME/kubelab). Nothing else on the host is written.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** The state home: where labs keep their state. */
export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBELAB_HOME) return env.KUBELAB_HOME;
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "kubelab");
}

/** The cache: binaries per component and version, and image build inputs. */
export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBELAB_CACHE) return env.KUBELAB_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "kubelab");
}

/** Directory of all labs' state. */
export function labsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateHome(env), "labs");
}

/** The paths of one lab's state directory. */
export class LabPaths {
  /** The lab's state directory. */
  readonly root: string;

  constructor(
    readonly lab: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.root = join(labsDir(env), lab);
  }

  /** The lab file as it was brought up (with defaults applied). */
  get labFile(): string {
    return join(this.root, "lab.yaml");
  }
  /** The lab's state record (state.json). */
  get stateFile(): string {
    return join(this.root, "state.json");
  }
  /** Certificates and keys. */
  get pkiDir(): string {
    return join(this.root, "pki");
  }
  /** A certificate by name. */
  cert(name: string): string {
    return join(this.pkiDir, `${name}.crt`);
  }
  /** A private key by name (0600). */
  key(name: string): string {
    return join(this.pkiDir, `${name}.key`);
  }
  /** Fingerprints of the certificate specs, to reuse certificates when the plan is unchanged. */
  get pkiManifest(): string {
    return join(this.pkiDir, "manifest.json");
  }
  /** Secrets that are not certificates: the bootstrap token, the encryption key (0700, each file 0600). */
  get secretsDir(): string {
    return join(this.root, "secrets");
  }
  /** Kubeconfigs (0600). */
  get kubeconfigDir(): string {
    return join(this.root, "kubeconfig");
  }
  /** The admin kubeconfig, for kubectl on the host. */
  get adminKubeconfig(): string {
    return join(this.kubeconfigDir, "admin.kubeconfig");
  }
  /** The files rendered for one node, as they are placed in it (for reading and for export). */
  nodeDir(node: string): string {
    return join(this.root, "nodes", node);
  }
  /** The results of the last checks. */
  get checksFile(): string {
    return join(this.root, "checks.json");
  }
  /** The fault drills in effect (`lab break`), for `lab heal` to undo. */
  get faultsFile(): string {
    return join(this.root, "faults.json");
  }
  /** The lock held while a command changes the lab. */
  get lockFile(): string {
    return join(this.root, "lock");
  }
  /** The VMs' Vagrant project (provider vagrant): the rendered Vagrantfile and Vagrant's .vagrant. */
  get vagrantDir(): string {
    return join(this.root, "vagrant");
  }
  /** The rendered Vagrantfile. */
  get vagrantfile(): string {
    return join(this.vagrantDir, "Vagrantfile");
  }
  /** The VMs' facts kubelab keeps beside Vagrant's: the management network picked for the lab. */
  get vagrantSettings(): string {
    return join(this.vagrantDir, "kubelab.json");
  }
  /** SSH settings for the VMs (from `vagrant ssh-config`, with connection sharing). */
  get sshConfig(): string {
    return join(this.root, "ssh", "config");
  }
  /** Where the shared SSH connections' sockets live. */
  get sshControlDir(): string {
    return join(this.root, "ssh", "control");
  }
}
