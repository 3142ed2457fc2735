/**
 * Pod manifests read by the REAL kubelet v1.20.2, the way a node's kubelet reads its static pods:
 * from its staticPodPath, in a throwaway container of the node image (network none; kubelet never
 * runs on the host). Not a test file.
 *
 * kubectl v1.20 cannot check a manifest offline: even `kubectl create --dry-run=client
 * --validate=false` asks the server for its API groups first ("unable to recognize ...: connection
 * refused"). kubelet's file source, though, decodes every file of its static pod folder as a v1 Pod
 * (a YAML error or a wrongly typed value: "couldn't parse as pod"), applies the defaults and runs
 * the API server's own pod validation on it (ValidatePodCreate: "invalid pod: [...]"), then hands
 * the pods it accepted on ("Receiving a new pod"). It logs each step at --v=4:
 *
 *   Reading config file "/etc/kubernetes/manifests/kube-apiserver.yaml"
 *   Can't process manifest file "...": invalid pod: [spec.containers[0]....: Invalid value: ...]
 *   Setting pods for source file
 *   Receiving a new pod "kube-apiserver-core1_kube-system(<uid>)"
 *
 * Two things keep a bare container's kubelet alive until that listing is done (it reads the folder
 * concurrently with building the rest of itself): an empty file at /dev/kmsg for its OOM watcher,
 * and a container runtime socket (socat) that accepts connections but never answers, so kubelet
 * waits for the runtime's version instead of exiting. The container is removed as soon as every
 * file is accounted for.
 *
 * What this does not catch: kubelet v1.20 decodes leniently, so a misspelt field name is dropped
 * without a word. The tests' structural checks on the parsed manifests cover the fields that matter.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { MANIFESTS_DIR } from "../../src/render/node-layout.js";
import { artifactBin } from "./real-tools.js";

/** What kubelet made of a folder of manifests. */
export interface KubeletVerdict {
  /** The files kubelet read (file names). */
  read: string[];
  /** Why kubelet refused each file it refused, by file name. */
  rejected: Record<string, string>;
  /** The pods kubelet accepted, as "<name>-<node>_<namespace>". */
  accepted: string[];
  /** True when kubelet finished its first listing of the folder and every file is accounted for. */
  complete: boolean;
  /** The container's output from kubelet's "Watching path" on (the whole output when it never got there). */
  log: string;
}

const CRI_SOCKET = "/run/kubelab-silent-cri.sock";

/** A standalone kubelet's configuration: no API server, no authentication, the static pod folder. */
const STANDALONE_CONFIG = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
cgroupDriver: cgroupfs
failSwapOn: false
staticPodPath: ${MANIFESTS_DIR}
`;

const READ = /Reading config file "([^"]+)"/;
const REJECTED = /Can't process manifest file "([^"]+)": (.*)$/;
const LISTED = /Setting pods for source file\b/;
const ACCEPTED = /Receiving a new pod "([^"(]+)\(/;

const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** Reads kubelet's log so far. */
function verdictOf(output: string): KubeletVerdict {
  const read: string[] = [];
  const rejected: Record<string, string> = {};
  const accepted: string[] = [];
  let listed = false;
  for (const line of output.split("\n")) {
    const r = READ.exec(line);
    if (r) read.push(baseName(r[1]!));
    const x = REJECTED.exec(line);
    if (x) rejected[baseName(x[1]!)] = x[2]!;
    if (LISTED.test(line)) listed = true;
    const a = ACCEPTED.exec(line);
    if (a) accepted.push(a[1]!);
  }
  const complete = listed && read.length > 0 && accepted.length + Object.keys(rejected).length === read.length;
  const start = output.indexOf("Watching path");
  const log = (start < 0 ? output : output.slice(output.lastIndexOf("\n", start) + 1))
    .split("\n")
    .filter((line) => /^[IWEF]\d{4} /.test(line) || line.startsWith("kubelab:"))
    .join("\n");
  return { read, rejected, accepted, complete, log };
}

let runs = 0;

/**
 * Puts `manifests` (file name → content) in the static pod folder of a standalone kubelet v1.20.2
 * named `nodeName`, in a container of `image`, and returns what kubelet made of them. `workDir`
 * must be a host folder the Docker engine can bind-mount.
 */
export async function kubeletReadsManifests(
  image: string,
  workDir: string,
  nodeName: string,
  manifests: Readonly<Record<string, string>>,
): Promise<KubeletVerdict> {
  const dir = await mkdtemp(join(workDir, "kubelet-"));
  const folder = join(dir, "manifests");
  await mkdir(folder, { mode: 0o755 });
  for (const [file, content] of Object.entries(manifests)) await writeFile(join(folder, file), content, { mode: 0o644 });
  await writeFile(join(dir, "kubelet-config.yaml"), STANDALONE_CONFIG, { mode: 0o644 });
  await writeFile(join(dir, "kmsg"), "", { mode: 0o644 });

  const name = `kubelab-render-kubelet-${process.pid}-${++runs}`;
  const script = [
    'command -v socat >/dev/null || { echo "kubelab: socat is not in the node image" >&2; exit 97; }',
    `socat UNIX-LISTEN:${CRI_SOCKET},fork EXEC:"sleep 300" &`,
    `while [ ! -S ${CRI_SOCKET} ]; do sleep 0.1; done`,
    // A safety net: the test removes the container long before.
    `exec timeout 90 /usr/local/bin/kubelet --config=/etc/kubernetes/kubelet-config.yaml --hostname-override=${nodeName}` +
      ` --v=4 --container-runtime=remote --container-runtime-endpoint=unix://${CRI_SOCKET}`,
  ].join("\n");
  const run = execa(
    "docker",
    [
      "run",
      "--rm",
      "--name",
      name,
      "--network=none",
      "--entrypoint",
      "sh",
      "-v",
      `${artifactBin("kubelet")}:/usr/local/bin/kubelet:ro`,
      "-v",
      `${join(dir, "kubelet-config.yaml")}:/etc/kubernetes/kubelet-config.yaml:ro`,
      "-v",
      `${join(dir, "kmsg")}:/dev/kmsg:ro`,
      "-v",
      `${folder}:${MANIFESTS_DIR}:ro`,
      image,
      "-c",
      script,
    ],
    { reject: false, timeout: 150_000, all: true },
  );

  let output = "";
  try {
    await new Promise<void>((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (grace) clearTimeout(grace);
        resolve();
      };
      run.all?.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
        const verdict = verdictOf(output);
        if (verdict.complete) done();
        // Listed but a file unaccounted for (e.g. a pod dropped as a duplicate): give it a moment.
        else if (LISTED.test(output) && !grace) grace = setTimeout(done, 5_000);
      });
      void run.then(done, done);
    });
  } finally {
    await execa("docker", ["rm", "--force", name], { reject: false, timeout: 60_000 });
    await run;
  }
  return verdictOf(output);
}
