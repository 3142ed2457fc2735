/**
 * containerd's config.toml, parsed by the real containerd (1.6) of the node image:
 * `containerd --config FILE config dump` loads the file, merges it over containerd's defaults and
 * prints the result, or exits non-zero on a TOML syntax error or a wrongly typed value. containerd
 * ignores unknown keys silently, so the dump is checked for every value we set: a misspelt key
 * would leave containerd's default in its place (e.g. sandbox_image = "registry.k8s.io/pause:3.6").
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_IMAGE } from "../../src/images/image-names.js";
import { containerdConfig } from "../../src/render/containerd-config.js";
import { CONTAINERD_CONFIG } from "../../src/render/node-layout.js";
import { fakeNodeFiles, fileAt, renderCases, text } from "./lab-fixtures.js";
import { failWhenMissing, findNodeImage, skipUnlessAvailable } from "./real-tools.js";

const { image, missing } = await findNodeImage();
const SUITE = "containerd's config.toml parsed by containerd in the node image";

function nodeImage(): string {
  if (image === undefined) throw new Error("no node image");
  return image;
}

/** The settings of one [table] of containerd's dump, as key → raw TOML value. */
function table(dump: string, name: string): Map<string, string> {
  const lines = dump.split("\n");
  const start = lines.findIndex((l) => l.trim() === `[${name}]`);
  if (start < 0) throw new Error(`no [${name}] in the dump`);
  const settings = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    const trimmed = line.trim();
    if (trimmed.startsWith("[")) break;
    const m = /^([A-Za-z_]+) = (.*)$/.exec(trimmed);
    if (m) settings.set(m[1]!, m[2]!);
  }
  return settings;
}

const CRI = 'plugins."io.containerd.grpc.v1.cri"';

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-containerd-"));
    // The engine's containerd runs as root; the folder only needs to be readable.
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function dump(config: string, name: string) {
    const file = join(dir, `${name}.toml`);
    await writeFile(file, config, { mode: 0o644 });
    return execa(
      "docker",
      [
        "run",
        "--rm",
        "--network=none",
        "--entrypoint",
        "containerd",
        "-v",
        `${file}:/etc/containerd/config.toml:ro`,
        nodeImage(),
        "--config",
        "/etc/containerd/config.toml",
        "config",
        "dump",
      ],
      { reject: false, timeout: 120_000 },
    );
  }

  it("the node image has containerd 1.6", async () => {
    const run = await execa("docker", ["run", "--rm", "--network=none", "--entrypoint", "containerd", nodeImage(), "--version"], {
      reject: false,
      timeout: 120_000,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ 1\.6\./);
  });

  it("every node of every lab gets the same containerd config", () => {
    const nodes = renderCases().flatMap(({ id, plan }) =>
      plan.nodes
        .filter((n) => n.kubelet)
        .map((n) => ({ node: `${id}/${n.name}`, config: text(fileAt(fakeNodeFiles(plan, n), CONTAINERD_CONFIG)) })),
    );
    // core1 in each of the four coreos-single cases, the workers of the three-node lab, of both
    // fedora-multi cases and of ha-etcd (masters, etcd members and the load balancer run no kubelet,
    // so no containerd config), and hard1 of hardened-single.
    expect(nodes.map((n) => n.node)).toEqual([
      "coreos-single-v1.20.2/core1",
      "coreos-single-systemd-v1.20.2/core1",
      "three-node-v1.20.2/worker1",
      "three-node-v1.20.2/worker2",
      "fedora-multi-flannel-v1.20.2/fed-node1",
      "fedora-multi-flannel-v1.20.2/fed-node2",
      "fedora-multi-vxlan-v1.20.2/fed-node1",
      "fedora-multi-vxlan-v1.20.2/fed-node2",
      "ha-etcd-v1.20.2/worker1",
      "ha-etcd-v1.20.2/worker2",
      "hardened-single-v1.20.2/hard1",
      "coreos-single-v1.31.0/core1",
      "coreos-single-systemd-v1.31.0/core1",
    ]);
    expect(new Set(nodes.map((n) => n.config))).toEqual(new Set([containerdConfig({ sandboxImage: SANDBOX_IMAGE })]));
  });

  it("loads, and the dump holds every value we set", async () => {
    const run = await dump(containerdConfig({ sandboxImage: SANDBOX_IMAGE }), "rendered");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^version = 2$/m);
    expect(run.stdout).toContain(
      'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]',
    );
    const cri = table(run.stdout, CRI);
    expect(cri.get("sandbox_image")).toBe(`"${SANDBOX_IMAGE}"`);
    expect(cri.get("restrict_oom_score_adj")).toBe("true");
    const runtime = table(run.stdout, `${CRI}.containerd`);
    expect(runtime.get("snapshotter")).toBe('"overlayfs"');
    expect(runtime.get("default_runtime_name")).toBe('"runc"');
    expect(table(run.stdout, `${CRI}.containerd.runtimes.runc`).get("runtime_type")).toBe('"io.containerd.runc.v2"');
    // kubelet's cgroupDriver is cgroupfs: containerd must not use the systemd driver.
    expect(table(run.stdout, `${CRI}.containerd.runtimes.runc.options`).get("SystemdCgroup")).toBe("false");
    const cni = table(run.stdout, `${CRI}.cni`);
    expect(cni.get("bin_dir")).toBe('"/opt/cni/bin"');
    expect(cni.get("conf_dir")).toBe('"/etc/cni/net.d"');
  });

  describe("would catch a broken config", () => {
    const good = containerdConfig({ sandboxImage: SANDBOX_IMAGE });

    it("a misspelt key leaves containerd's default in the dump", async () => {
      const broken = good.replace("  sandbox_image =", "  sandbox_imag =");
      expect(broken).not.toBe(good);
      const run = await dump(broken, "misspelt");
      expect(run.exitCode, run.stderr).toBe(0);
      expect(table(run.stdout, CRI).get("sandbox_image")).not.toBe(`"${SANDBOX_IMAGE}"`);
    });

    it("a TOML syntax error fails", async () => {
      const run = await dump(good.replace(`[${CRI}.cni]`, `[${CRI}.cni`), "syntax");
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/failed to load TOML/);
    });

    it("a wrongly typed value fails", async () => {
      const run = await dump(good.replace("restrict_oom_score_adj = true", 'restrict_oom_score_adj = "yes"'), "typed");
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/bool/);
    });
  });
});
