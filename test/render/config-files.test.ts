/**
 * The KubeletConfiguration, KubeProxyConfiguration and CNI files, parsed (yaml / JSON) and checked
 * field by field against the plan, for every node of every lab. With the flannel overlay a node gets
 * no CNI file: flannel-cni.sh writes it from flannel's lease at run time (network-namespaces.test.ts
 * runs that script). For the v1.20.2 labs the real binaries also load them:
 *
 * - kube-proxy: `--config F --write-config-to OUT` loads F (strict decoding, or a warning that it
 *   fell back to lenient decoding), validates it, writes the result with defaults, and exits;
 * - kubelet, in a throwaway container of the node image (network none; kubelet must never run on
 *   the host): the rendered unit's command line with the rendered config file. kubelet decodes and
 *   validates the file, then stops at the first thing a bare container lacks: the clientCAFile the
 *   config names. Reaching that point, with no decoding warning, means the file was accepted.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan, PlannedNode } from "../../src/plan/plan.js";
import { cniConfig } from "../../src/render/cni-config.js";
import { kubeProxyConfig } from "../../src/render/kube-proxy.js";
import { kubeletConfig } from "../../src/render/kubelet.js";
import { atLeast } from "../../src/plan/kube-version.js";
import { CNI_CONF_FILE } from "../../src/render/node-layout.js";
import { execStart, fakeNodeFiles, fileAt, renderCases, text, v1202Cases } from "./lab-fixtures.js";
import { artifactBin, failWhenMissing, findNodeImage, missingBinaries, skipUnlessAvailable } from "./real-tools.js";

type Doc = Record<string, unknown>;

function parseYaml(source: string): Doc {
  const doc: unknown = parse(source, { strict: true, uniqueKeys: true });
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("not a YAML mapping");
  return doc as Doc;
}

const kubeletNodes = (plan: Plan): PlannedNode[] => plan.nodes.filter((n) => n.kubelet);
const nodeCases = renderCases().flatMap(({ id, plan }) => kubeletNodes(plan).map((node) => ({ id, plan, node, name: node.name })));

describe.each(nodeCases)("$id / $name", ({ plan, node }) => {
  it("KubeletConfiguration", () => {
    const c = parseYaml(kubeletConfig(plan, node));
    expect(c.apiVersion).toBe("kubelet.config.k8s.io/v1beta1");
    expect(c.kind).toBe("KubeletConfiguration");
    expect(c.authentication).toEqual({
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: "/etc/kubernetes/pki/ca.crt" },
    });
    expect(c.authorization).toEqual({ mode: "Webhook" });
    expect(c.cgroupDriver).toBe("cgroupfs");
    expect(c.clusterDNS).toEqual([plan.network.dnsIp]);
    expect(c.clusterDomain).toBe(plan.network.clusterDomain);
    expect(c.podCIDR).toBe(node.podCidr);
    expect(c.tlsCertFile).toBe(`/etc/kubernetes/pki/kubelet-${node.name}.crt`);
    expect(c.tlsPrivateKeyFile).toBe(`/etc/kubernetes/pki/kubelet-${node.name}.key`);
    expect(c.staticPodPath).toBe("/etc/kubernetes/manifests");
    expect(c.failSwapOn).toBe(false);
    expect(c.evictionHard).toEqual({ "imagefs.available": "0%", "nodefs.available": "0%", "nodefs.inodesFree": "0%" });
    expect(c.imageGCHighThresholdPercent).toBe(100);
    // The API request limits of 1.27 and later (5 and 10 before): on a restart, pods' statuses
    // must not queue behind everything else kubelet sends.
    const modern = atLeast(plan.kubernetes, 1, 27);
    expect([c.kubeAPIQPS, c.kubeAPIBurst]).toEqual(modern ? [undefined, undefined] : [50, 100]);
  });

  it("KubeProxyConfiguration", () => {
    const c = parseYaml(kubeProxyConfig(plan, node));
    expect(c.apiVersion).toBe("kubeproxy.config.k8s.io/v1alpha1");
    expect(c.kind).toBe("KubeProxyConfiguration");
    expect(c.mode).toBe("iptables");
    expect(c.clusterCIDR).toBe(plan.network.podCidr);
    expect(c.hostnameOverride).toBe(node.name);
    expect(c.clientConnection).toEqual({ kubeconfig: "/etc/kubernetes/kube-proxy.kubeconfig" });
    expect(c.conntrack).toEqual({ maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" });
    expect(c.iptables).toEqual({ minSyncPeriod: "100ms" });
  });

  if (plan.network.overlay === "flannel") {
    it("no CNI conflist to copy: flannel leases the pod subnet, flannel-cni.sh writes the file", () => {
      expect(node.podCidr).toBeUndefined();
      const paths = fakeNodeFiles(plan, node).map((f) => f.path);
      expect(paths).not.toContain(CNI_CONF_FILE);
      expect(paths).toContain("/etc/kubelab/flannel-cni.sh");
      expect(() => cniConfig(plan, node)).toThrow(/no pod subnet/);
    });
  } else {
    it("CNI conflist", () => {
      const rendered = text(fileAt(fakeNodeFiles(plan, node), CNI_CONF_FILE));
      expect(rendered).toBe(cniConfig(plan, node));
      const c = JSON.parse(rendered) as {
        cniVersion: string;
        name: string;
        plugins: Array<{
          type: string;
          bridge?: string;
          isGateway?: boolean;
          ipMasq?: boolean;
          mtu?: number;
          hairpinMode?: boolean;
          ipam?: { type: string; ranges: Array<Array<{ subnet: string }>>; routes: Array<{ dst: string }> };
          capabilities?: Record<string, boolean>;
        }>;
      };
      expect(c.cniVersion).toBe("0.4.0");
      expect(c.name).toBe("kubelab");
      expect(c.plugins.map((p) => p.type)).toEqual(["bridge", "portmap"]);
      const [bridge, portmap] = c.plugins;
      expect(bridge?.bridge).toBe("cni0");
      expect(bridge?.isGateway).toBe(true);
      // The node masquerades (network.sh), so pods see each other's real addresses.
      expect(bridge?.ipMasq).toBe(false);
      expect(bridge?.hairpinMode).toBe(true);
      // VXLAN costs 50 bytes of the nodes' 1500; routes leave the bridge plugin's default (1500).
      expect(bridge?.mtu).toBe(plan.network.overlay === "vxlan" ? 1450 : undefined);
      expect(bridge?.ipam?.type).toBe("host-local");
      expect(bridge?.ipam?.ranges).toEqual([[{ subnet: node.podCidr }]]);
      expect(bridge?.ipam?.routes).toEqual([{ dst: "0.0.0.0/0" }]);
      expect(portmap?.capabilities).toEqual({ portMappings: true });
    });
  }
});

describe("pod subnets", () => {
  it("are leased by flanneld at run time with the flannel overlay, never planned", () => {
    const flannel = renderCases().filter(({ plan }) => plan.network.overlay === "flannel");
    expect(flannel.map((c) => c.id)).toEqual(["fedora-multi-flannel-v1.20.2"]);
    for (const { plan } of flannel) expect(plan.nodes.map((n) => n.podCidr)).toEqual(plan.nodes.map(() => undefined));
  });

  it("differ between the nodes of a lab and lie inside its pod network (routes and vxlan overlays)", () => {
    const planned = renderCases().filter(({ plan }) => plan.network.overlay !== "flannel");
    expect(planned.length).toBe(renderCases().length - 1);
    for (const { plan } of planned) {
      const subnets = kubeletNodes(plan).map((n) => n.podCidr);
      expect(subnets.every((s) => s !== undefined)).toBe(true);
      expect(new Set(subnets).size).toBe(subnets.length);
      const prefix = plan.network.podCidr.split(".").slice(0, 2).join(".");
      for (const s of subnets) expect(s).toMatch(new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.\\d+\\.0/24$`));
    }
  });
});

const proxyMissing = await missingBinaries(["kube-proxy"]);
const PROXY_SUITE = "KubeProxyConfiguration validated by the real kube-proxy v1.20.2";

describe.skipIf(skipUnlessAvailable(PROXY_SUITE, proxyMissing))(PROXY_SUITE, () => {
  failWhenMissing(PROXY_SUITE, proxyMissing);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-proxy-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs kube-proxy on a configuration file; returns its exit, stderr and the config it wrote. */
  async function loadWithKubeProxy(config: string, stem: string) {
    const input = join(dir, `${stem}.yaml`);
    const output = join(dir, `${stem}.out.yaml`);
    await writeFile(input, config);
    const run = await execa(artifactBin("kube-proxy"), [`--config=${input}`, `--write-config-to=${output}`], {
      reject: false,
      timeout: 20_000,
    });
    const written = run.exitCode === 0 ? parseYaml(await readFile(output, "utf8")) : undefined;
    return { exitCode: run.exitCode, stderr: run.stderr, written };
  }

  const cases = v1202Cases().flatMap(({ id, plan }) => kubeletNodes(plan).map((node) => ({ id, plan, node, name: node.name })));

  it.each(cases)("$id / $name: loads strictly, validates, keeps our values", async ({ id, plan, node }) => {
    const r = await loadWithKubeProxy(kubeProxyConfig(plan, node), `${id}-${node.name}`);
    expect(r.exitCode, r.stderr).toBe(0);
    // kube-proxy falls back to lenient decoding (and says so) when a field is unknown.
    expect(r.stderr).not.toMatch(/strict decod/i);
    expect(r.written).toMatchObject({
      kind: "KubeProxyConfiguration",
      mode: "iptables",
      clusterCIDR: plan.network.podCidr,
      hostnameOverride: node.name,
      clientConnection: { kubeconfig: "/etc/kubernetes/kube-proxy.kubeconfig" },
      conntrack: { maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
      // As kube-proxy runs it, after its defaults: a 0s here would have become 1s.
      iptables: { minSyncPeriod: "100ms" },
    });
  });

  it("would catch a misspelt field and an invalid value", async () => {
    const [first] = cases;
    if (!first) throw new Error("no kubelet node to render");
    const good = kubeProxyConfig(first.plan, first.node);
    expect(good).toContain("maxPerCore: 0");
    const typo = await loadWithKubeProxy(good.replace("maxPerCore", "maxPerCroe"), "typo");
    expect(typo.stderr).toMatch(/strict decod/i);
    const invalid = await loadWithKubeProxy(good.replace("mode: iptables", "mode: iptable"), "invalid");
    expect(invalid.exitCode).not.toBe(0);
    expect(invalid.stderr).toContain('Invalid value: "iptable"');
  });
});

const nodeImage = await findNodeImage();
const kubeletMissing = [...(await missingBinaries(["kubelet"])), ...nodeImage.missing];
const KUBELET_SUITE = "KubeletConfiguration loaded by the real kubelet v1.20.2 (in a container)";

describe.skipIf(skipUnlessAvailable(KUBELET_SUITE, kubeletMissing))(KUBELET_SUITE, () => {
  failWhenMissing(KUBELET_SUITE, kubeletMissing);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-kubelet-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the kubelet unit's command line in a container, with `config` at the --config path. */
  async function runKubelet(unit: string, config: string, stem: string) {
    const { image } = nodeImage;
    if (image === undefined) throw new Error("no node image");
    const { binary, args } = execStart(unit);
    const file = join(dir, `${stem}.yaml`);
    await writeFile(file, config, { mode: 0o644 });
    const run = await execa(
      "docker",
      [
        "run",
        "--rm",
        "--network=none",
        "--entrypoint",
        binary,
        "-v",
        `${artifactBin("kubelet")}:${binary}:ro`,
        "-v",
        `${file}:/etc/kubernetes/kubelet-config.yaml:ro`,
        image,
        ...args,
      ],
      { reject: false, timeout: 120_000 },
    );
    return { exitCode: run.exitCode, stderr: run.stderr };
  }

  const STOPPED_AT_CLIENT_CA = "unable to load client CA file /etc/kubernetes/pki/ca.crt";

  const cases = v1202Cases().flatMap(({ id, plan }) =>
    kubeletNodes(plan).map((n) => {
      const files = fakeNodeFiles(plan, n);
      return {
        id,
        name: n.name,
        unit: text(fileAt(files, "/etc/systemd/system/kubelet.service")),
        config: text(fileAt(files, "/etc/kubernetes/kubelet-config.yaml")),
      };
    }),
  );

  it.each(cases)("$id / $name: decodes strictly and validates", async ({ id, name, unit, config }) => {
    expect(execStart(unit).args).toContain("--config=/etc/kubernetes/kubelet-config.yaml");
    const r = await runKubelet(unit, config, `${id}-${name}`);
    expect(r.stderr).not.toMatch(/strict decod/i);
    expect(r.stderr).not.toMatch(/invalid configuration|failed to (load|validate)/i);
    expect(r.stderr).toContain(STOPPED_AT_CLIENT_CA);
    expect(r.exitCode).not.toBe(0);
  });

  describe("would catch a broken file", () => {
    const [first] = cases;
    if (!first) throw new Error("no kubelet node");

    it("a misspelt field", async () => {
      const r = await runKubelet(first.unit, first.config.replace("failSwapOn:", "failSwapOm:"), "typo");
      expect(r.stderr).toMatch(/strict decod/i);
    });

    it("an invalid value", async () => {
      const r = await runKubelet(
        first.unit,
        first.config.replace("imageGCHighThresholdPercent: 100", "imageGCHighThresholdPercent: 120"),
        "invalid",
      );
      expect(r.stderr).toMatch(/invalid configuration: imageGCHighThresholdPercent/);
      expect(r.stderr).not.toContain(STOPPED_AT_CLIENT_CA);
    });
  });
});
