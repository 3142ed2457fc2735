/**
 * The static pod manifests of the labs whose control plane runs as static pods (coreos-single at
 * v1.20.2 and v1.31.0), parsed and checked field by field: a kube-system Pod on the host network,
 * the given image, the component's binary with EXACTLY the flags its systemd unit would have, a
 * liveness probe on the component's health endpoint, /etc/kubernetes mounted read-only from the
 * node, kube-proxy privileged with the node's xtables lock and kernel modules. Their text is
 * snapshotted with the other node files (render-snapshots.test.ts); binary-flags.test.ts runs their
 * flags against the real binaries.
 *
 * For v1.20.2 the real kubelet reads them as a node's kubelet does (kubelet-pods.ts): it must
 * decode and validate every one, and refuse broken ones.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan, PlannedNode } from "../../src/plan/plan.js";
import { renderFlag } from "../../src/render/flags.js";
import { apiServerFlags } from "../../src/render/kube-apiserver.js";
import { controllerManagerFlags } from "../../src/render/kube-controller-manager.js";
import { kubeProxyFlags } from "../../src/render/kube-proxy.js";
import { schedulerFlags } from "../../src/render/kube-scheduler.js";
import { BIN_DIR, KUBE_DIR, MANIFESTS_STAGING_DIR } from "../../src/render/node-layout.js";
import {
  controlPlaneManifests,
  kubeProxyManifest,
  STATIC_POD_COMPONENTS,
  type StaticPodComponent,
} from "../../src/render/static-pods.js";
import { kubeletReadsManifests, type KubeletVerdict } from "./kubelet-pods.js";
import {
  baseName,
  casesWithMode,
  componentImages,
  fakeNodeFiles,
  manifestFiles,
  parseManifest,
  text,
  v1202Cases,
  type PodManifest,
} from "./lab-fixtures.js";
import { failWhenMissing, findNodeImage, missingBinaries, skipUnlessAvailable } from "./real-tools.js";

/** What each component's pod must have, written out here rather than taken from the renderer. */
interface Expected {
  flags: (plan: Plan, node: PlannedNode) => string[];
  probe: { host: string; port: number; path: string; scheme: "HTTP" | "HTTPS" };
  privileged: boolean;
  /** Host paths by mount path: the hostPath type and whether the mount must be read-only (undefined: either). */
  mounts: Record<string, { type: string; readOnly: boolean | undefined }>;
}

const ETC_KUBERNETES = { [KUBE_DIR]: { type: "Directory", readOnly: true } };

const EXPECTED: Record<StaticPodComponent, Expected> = {
  "kube-apiserver": {
    flags: (plan, node) => apiServerFlags(plan, node).map(renderFlag),
    probe: { host: "127.0.0.1", port: 6443, path: "/livez", scheme: "HTTPS" },
    privileged: false,
    mounts: ETC_KUBERNETES,
  },
  "kube-controller-manager": {
    flags: (plan) => controllerManagerFlags(plan).map(renderFlag),
    probe: { host: "127.0.0.1", port: 10257, path: "/healthz", scheme: "HTTPS" },
    privileged: false,
    mounts: ETC_KUBERNETES,
  },
  "kube-scheduler": {
    flags: (plan) => schedulerFlags(plan).map(renderFlag),
    probe: { host: "127.0.0.1", port: 10259, path: "/healthz", scheme: "HTTPS" },
    privileged: false,
    mounts: ETC_KUBERNETES,
  },
  "kube-proxy": {
    flags: () => kubeProxyFlags().map(renderFlag),
    probe: { host: "127.0.0.1", port: 10256, path: "/healthz", scheme: "HTTP" },
    privileged: true,
    mounts: {
      ...ETC_KUBERNETES,
      // iptables takes the lock with write access; the modules are only read.
      "/run/xtables.lock": { type: "FileOrCreate", readOnly: false },
      "/lib/modules": { type: "DirectoryOrCreate", readOnly: undefined },
    },
  },
};

const manifestCases = casesWithMode("static-pods").flatMap(({ id, plan }) =>
  plan.nodes.flatMap((node) => {
    const files = fakeNodeFiles(plan, node);
    return manifestFiles(files).map((f) => ({
      id,
      plan,
      node,
      files,
      name: node.name,
      file: baseName(f.path),
      component: baseName(f.path).replace(/\.yaml$/, "") as StaticPodComponent,
      source: text(f),
    }));
  }),
);

describe("the static pod labs", () => {
  it("are coreos-single at v1.20.2 and v1.31.0, with every component as a static pod on core1", () => {
    expect(casesWithMode("static-pods").map((c) => c.id)).toEqual(["coreos-single-v1.20.2", "coreos-single-v1.31.0"]);
    for (const id of ["coreos-single-v1.20.2", "coreos-single-v1.31.0"]) {
      expect(manifestCases.filter((c) => c.id === id).map((c) => `${c.name}/${c.file}`).sort()).toEqual(
        STATIC_POD_COMPONENTS.map((c) => `core1/${c}.yaml`).sort(),
      );
    }
  });

  it("the fixed images are the upstream references of the lab's version", () => {
    const [plan] = casesWithMode("static-pods").map((c) => c.plan);
    expect(componentImages(plan!)).toEqual({
      "kube-apiserver": "registry.k8s.io/kube-apiserver:v1.20.2",
      "kube-controller-manager": "registry.k8s.io/kube-controller-manager:v1.20.2",
      "kube-scheduler": "registry.k8s.io/kube-scheduler:v1.20.2",
      "kube-proxy": "registry.k8s.io/kube-proxy:v1.20.2",
    });
  });
});

describe.each(manifestCases)("$id / $name / $file", ({ plan, node, files, component, source }) => {
  const expected = EXPECTED[component];
  let pod: PodManifest;
  beforeAll(() => {
    pod = parseManifest(source);
  });
  const container = () => {
    expect(pod.spec.containers).toHaveLength(1);
    return pod.spec.containers[0]!;
  };

  it("is what the renderer renders for the component", () => {
    const rendered =
      component === "kube-proxy"
        ? kubeProxyManifest(componentImages(plan))
        : controlPlaneManifests(plan, node, componentImages(plan))[`${component}.yaml`];
    expect(source).toBe(rendered);
  });

  it("is a kube-system Pod named after the component, on the host network", () => {
    expect(pod.apiVersion).toBe("v1");
    expect(pod.kind).toBe("Pod");
    expect(pod.metadata.name).toBe(component);
    expect(pod.metadata.namespace).toBe("kube-system");
    expect(pod.spec.hostNetwork).toBe(true);
    expect(container().name).toBe(component);
  });

  it("runs the given image", () => {
    expect(container().image).toBe(componentImages(plan)[component]);
  });

  it("runs the component's binary with exactly the flags of its unit", () => {
    const [binary, ...args] = container().command;
    expect(binary).toBe(`${BIN_DIR}/${component}`);
    expect(args).toEqual(expected.flags(plan, node));
  });

  it("has a liveness probe on the component's health endpoint", () => {
    expect(container().livenessProbe?.httpGet).toEqual(expected.probe);
  });

  it("mounts exactly the expected host paths, /etc/kubernetes read-only", () => {
    const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
    expect(volumes.size, "volume names are unique").toBe(pod.spec.volumes?.length);
    const mounts = container().volumeMounts ?? [];
    const mounted: Record<string, { type: string | undefined; readOnly: boolean | undefined }> = {};
    for (const m of mounts) {
      const volume = volumes.get(m.name);
      expect(volume, `volume ${m.name} of mount ${m.mountPath}`).toBeDefined();
      expect(volume?.hostPath?.path, `${m.name} mounts the same path from the node`).toBe(m.mountPath);
      mounted[m.mountPath] = { type: volume?.hostPath?.type, readOnly: m.readOnly };
    }
    expect(new Set(mounts.map((m) => m.name)), "every volume is mounted").toEqual(new Set(volumes.keys()));
    const want = Object.fromEntries(
      Object.entries(expected.mounts).map(([path, m]) => [
        path,
        { type: m.type, readOnly: m.readOnly === undefined ? expect.any(Boolean) : m.readOnly },
      ]),
    );
    expect(mounted).toEqual(want);
  });

  it("every file a flag names is one the node gets, inside a mounted path", () => {
    const mountPaths = (container().volumeMounts ?? []).map((m) => m.mountPath);
    const nodePaths = new Set(files.map((f) => f.path));
    const named = container()
      .command.slice(1)
      .map((arg) => arg.slice(arg.indexOf("=") + 1))
      .filter((value) => value.startsWith("/"));
    expect(named.length).toBeGreaterThan(0);
    for (const path of named) {
      expect(nodePaths.has(path), `${path} is not among the node's files`).toBe(true);
      expect(mountPaths.some((m) => path.startsWith(`${m}/`)), `${path} is outside the pod's mounts`).toBe(true);
    }
  });

  it(expected.privileged ? "is privileged" : "is not privileged", () => {
    expect(container().securityContext?.privileged ?? false).toBe(expected.privileged);
  });
});

const nodeImage = await findNodeImage();
const missing = [...(await missingBinaries(["kubelet"])), ...nodeImage.missing];
const SUITE = "static pod manifests read by the real kubelet v1.20.2 (in a container)";

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-static-pods-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function readManifests(nodeName: string, manifests: Record<string, string>): Promise<KubeletVerdict> {
    if (nodeImage.image === undefined) throw new Error("no node image");
    return kubeletReadsManifests(nodeImage.image, dir, nodeName, manifests);
  }

  const nodes = v1202Cases()
    .filter(({ plan }) => plan.controlPlaneMode === "static-pods")
    .flatMap(({ id, plan }) =>
      plan.nodes.map((node) => ({
        id,
        name: node.name,
        manifests: Object.fromEntries(
          manifestFiles(fakeNodeFiles(plan, node)).map((f) => [f.path.slice(MANIFESTS_STAGING_DIR.length + 1), text(f)]),
        ),
      })),
    );

  it("there is a v1.20.2 static pod node to read", () => {
    expect(nodes.map((n) => `${n.id}/${n.name}`)).toEqual(["coreos-single-v1.20.2/core1"]);
  });

  it.each(nodes)(
    "$id / $name: kubelet decodes, validates and accepts every manifest",
    async ({ name, manifests }) => {
      const verdict = await readManifests(name, manifests);
      expect(verdict.rejected, verdict.log).toEqual({});
      expect(verdict.read.sort(), verdict.log).toEqual(Object.keys(manifests).sort());
      expect(verdict.accepted.sort(), verdict.log).toEqual(
        Object.keys(manifests)
          .map((file) => `${parseManifest(manifests[file]!).metadata.name}-${name}_kube-system`)
          .sort(),
      );
      expect(verdict.complete, verdict.log).toBe(true);
    },
    150_000,
  );

  describe("would catch a broken manifest", () => {
    const [first] = nodes;
    if (!first) throw new Error("no static pod node");
    const good = first.manifests["kube-apiserver.yaml"];
    if (good === undefined) throw new Error("no kube-apiserver manifest");

    /**
     * The manifest with `from` replaced by `to` (which must change it), as a pod of its own name
     * (kube-apiserver-<label>), so a variant kubelet wrongly accepted would show among the pods.
     */
    const broken = (label: string, from: string | RegExp, to: string): string => {
      const changed = good.replace(from, to);
      expect(changed, `${String(from)} is not in the manifest`).not.toBe(good);
      const renamed = changed.replace("\n  name: kube-apiserver\n", `\n  name: kube-apiserver-${label}\n`);
      expect(renamed, "the pod's name is not where it should be").not.toBe(changed);
      return renamed;
    };

    let verdict: KubeletVerdict;
    let variants: Record<string, string>;
    beforeAll(async () => {
      // One kubelet reads the unbroken manifest and each broken variant side by side.
      variants = {
        "unbroken.yaml": good,
        "probe-port.yaml": broken("probe-port", "port: 6443\n", "port: 644300\n"),
        "missing-volume.yaml": broken("missing-volume", /(volumes:\n\s+- name: )etc-kubernetes/, "$1etc-kubernetez"),
        "hostpath-type.yaml": broken("hostpath-type", "type: Directory", "type: Dir"),
        "typed.yaml": broken("typed", "hostNetwork: true", 'hostNetwork: "yes"'),
        "syntax.yaml": broken("syntax", "  containers:\n", "  containers: [\n"),
        "misspelt-field.yaml": broken("misspelt-field", "hostNetwork: true", "hostNetwrok: true"),
      };
      verdict = await readManifests(first.name, variants);
    }, 150_000);

    it("the unbroken manifest passes in the same run, and every file is accounted for", () => {
      expect(verdict.read.sort(), verdict.log).toEqual(Object.keys(variants).sort());
      expect(verdict.rejected["unbroken.yaml"], verdict.log).toBeUndefined();
      expect(verdict.accepted.sort(), verdict.log).toEqual([
        `kube-apiserver-${first.name}_kube-system`,
        `kube-apiserver-misspelt-field-${first.name}_kube-system`,
      ]);
      expect(verdict.complete, verdict.log).toBe(true);
    });

    it("a probe port out of range", () => {
      expect(verdict.rejected["probe-port.yaml"]).toMatch(
        /invalid pod: .*spec\.containers\[0\]\.livenessProbe\.httpGet\.port: Invalid value: 644300/,
      );
    });

    it("a mount whose volume does not exist", () => {
      expect(verdict.rejected["missing-volume.yaml"]).toMatch(
        /invalid pod: .*spec\.containers\[0\]\.volumeMounts\[0\]\.name: Not found: "etc-kubernetes"/,
      );
    });

    it("an unknown hostPath type", () => {
      expect(verdict.rejected["hostpath-type.yaml"]).toMatch(/spec\.volumes\[0\]\.hostPath\.type: Unsupported value: "Dir"/);
    });

    it("a wrongly typed value", () => {
      expect(verdict.rejected["typed.yaml"]).toMatch(/couldn't parse as pod\(.*HostNetwork/);
    });

    it("a YAML syntax error", () => {
      expect(verdict.rejected["syntax.yaml"]).toMatch(/couldn't parse as pod\(yaml: /);
    });

    it("a misspelt field name is NOT caught by kubelet (it decodes leniently): the structural checks catch it", () => {
      expect(verdict.rejected["misspelt-field.yaml"]).toBeUndefined();
      expect(verdict.accepted).toContain(`kube-apiserver-misspelt-field-${first.name}_kube-system`);
      // What "is a kube-system Pod ... on the host network" above asserts fails on it.
      expect(parseManifest(variants["misspelt-field.yaml"]!).spec.hostNetwork).toBeUndefined();
    });
  });
});
