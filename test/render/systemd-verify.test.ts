/**
 * `systemd-analyze verify` on every rendered unit, in a throwaway root laid out like a node:
 * the node's units in /etc/systemd/system, the REAL v1.20.2 binaries in /usr/local/bin (hard links,
 * or copies across file systems: systemd resolves ExecStart= inside --root, so a symlink to a host
 * path would not resolve), and minimal stubs in /usr/lib/systemd/system for the units the node image
 * and systemd itself provide (the targets every service depends on, and containerd.service).
 *
 * verify fails (exit 1) on a missing or non-executable ExecStart binary and on a Requires= of a
 * unit that does not exist, and only warns (exit 0, stderr) on unknown keys or unparsable values:
 * so a unit passes only with exit 0 AND nothing at all on stderr. systemd does not complain about
 * After=/Wants= naming a missing unit, so those names are checked separately against the node's
 * own units and the stubs.
 *
 * flanneld.service (the flannel lab's workers) is NOT verified: no real flanneld can be obtained on
 * this machine, and no stand-in is put in its place. It is still written into its node's root, as
 * the node gets it, but not named to verify; its verification is listed as a skipped test and the
 * run says so on the console. Every other unit of those nodes is verified with its real binary.
 */
import { constants } from "node:fs";
import { copyFile, link, mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeFile } from "../../src/providers/provider.js";
import { BIN_DIR, UNIT_DIR } from "../../src/render/node-layout.js";
import { baseName, execStart, fakeNodeFiles, fileAt, renderCases, text, unitFiles, unitValues } from "./lab-fixtures.js";
import {
  announceUnchecked,
  artifactBin,
  failWhenMissing,
  missingBinaries,
  missingCommand,
  skipUnlessAvailable,
  unobtainable,
} from "./real-tools.js";

/** Units a node gets from systemd or from the node image, not from the lab. */
const PROVIDED_UNITS: Record<string, string> = {
  "sysinit.target": "[Unit]\nDescription=stub: System Initialization\n",
  "basic.target": "[Unit]\nDescription=stub: Basic System\n",
  "shutdown.target": "[Unit]\nDescription=stub: System Shutdown\n",
  "network-online.target": "[Unit]\nDescription=stub: Network is Online\n",
  "multi-user.target": "[Unit]\nDescription=stub: Multi-User System\n",
  "containerd.service": "[Unit]\nDescription=stub: containerd (from the node image)\n\n[Service]\nExecStart=/usr/bin/containerd\n",
};
const VENDOR_UNIT_DIR = "/usr/lib/systemd/system";
/** The node's own programs that kubelab's units run. */
const SYSTEM_BINARIES = ["/bin/sh", "/bin/true"];
const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"];

const missing = [
  ...(await missingCommand("systemd-analyze", ["--version"])),
  ...(await missingBinaries(BINARIES)),
];
const SUITE = "systemd-analyze verify of the rendered units";

/** A real binary placed in a root: a hard link when possible, else a copy. */
async function placeBinary(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await copyFile(source, target, constants.COPYFILE_FICLONE);
  }
}

/** Writes `files` (paths inside the node) under `root`. */
async function writeUnder(root: string, files: ReadonlyArray<{ path: string; content: string }>): Promise<void> {
  for (const f of files) {
    const target = join(root, f.path);
    await mkdir(join(target, ".."), { recursive: true });
    await writeFile(target, f.content);
  }
}

/**
 * A node root: its units, the real binaries their ExecStart= names, the provided stubs. A unit whose
 * binary cannot be obtained here (flanneld) gets no binary at all: nothing stands in for it.
 */
async function nodeRoot(parent: string, name: string, units: readonly NodeFile[]): Promise<string> {
  const root = join(parent, name);
  await writeUnder(root, units.map((u) => ({ path: u.path, content: text(u) })));
  await writeUnder(
    root,
    Object.entries(PROVIDED_UNITS).map(([unit, content]) => ({ path: `${VENDOR_UNIT_DIR}/${unit}`, content })),
  );
  await mkdir(join(root, BIN_DIR), { recursive: true });
  for (const unit of units) {
    const { binary } = execStart(text(unit));
    // kubelab's own oneshot units run the system's shell (or true); components run from BIN_DIR.
    const system = SYSTEM_BINARIES.includes(binary);
    if (!system && !binary.startsWith(`${BIN_DIR}/`)) throw new Error(`${unit.path} runs ${binary}, outside ${BIN_DIR}`);
    if (unobtainable(binary)) continue;
    const source = system ? await realpath(binary) : artifactBin(baseName(binary));
    await mkdir(join(root, binary, ".."), { recursive: true });
    await placeBinary(source, join(root, binary)).catch((error: unknown) => {
      // Units may share a binary (kubelab's oneshots run /bin/sh).
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    });
  }
  return root;
}

interface Verdict {
  exitCode: number | undefined;
  /** Every line verify printed on stderr (any line is a finding). */
  findings: string[];
}

/** `systemd-analyze verify` of the named units inside `root`. */
async function verify(root: string, unitNames: readonly string[]): Promise<Verdict> {
  const run = await execa("systemd-analyze", ["verify", `--root=${root}`, "--man=no", "--recursive-errors=yes", ...unitNames], {
    reject: false,
    timeout: 60_000,
    env: { SYSTEMD_LOG_COLOR: "0", SYSTEMD_PAGER: "" },
  });
  const findings = `${run.stderr}\n${run.stdout}`.split("\n").filter((line) => line.trim() !== "");
  return { exitCode: run.exitCode, findings };
}

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-render-systemd-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const nodes = renderCases().flatMap(({ id, plan }) =>
    plan.nodes.map((node) => {
      const units = unitFiles(fakeNodeFiles(plan, node));
      const unverified = units.filter((u) => unobtainable(execStart(text(u)).binary)).map((u) => baseName(u.path));
      const which = unverified.length === 0 ? "every unit" : `every unit but ${unverified.join(", ")}`;
      return { id, name: node.name, units, unverified, which };
    }),
  );
  const unverified = nodes.flatMap(({ id, name, units, unverified }) =>
    unverified.map((unit) => ({
      id,
      name,
      unit,
      binary: baseName(execStart(text(units.find((u) => baseName(u.path) === unit)!)).binary),
    })),
  );

  beforeAll(() => {
    announceUnchecked(
      SUITE,
      "these units were not verified: their ExecStart= binary cannot be placed in the node's root because no real one is available here (the unit file is still in the root, so units that want it load it)",
      unverified.map((u) => ({ binary: u.binary, where: `${u.id} / ${u.name} / ${u.unit}` })),
    );
  });

  it("leaves out exactly flanneld.service on the flannel lab's workers", () => {
    expect(unverified.map((u) => `${u.id}/${u.name}/${u.unit}`)).toEqual([
      "fedora-multi-flannel-v1.20.2/fed-node1/flanneld.service",
      "fedora-multi-flannel-v1.20.2/fed-node2/flanneld.service",
    ]);
  });

  it.each(nodes)("$id / $name: $which verifies cleanly", async ({ id, name, units, unverified }) => {
    const verified = units.map((u) => baseName(u.path)).filter((u) => !unverified.includes(u));
    expect(verified.length).toBeGreaterThan(0);
    const root = await nodeRoot(dir, `${id}-${name}`, units);
    const verdict = await verify(root, verified);
    expect(verdict.findings).toEqual([]);
    expect(verdict.exitCode).toBe(0);
  });

  // Listed, not silently dropped: each shows as a skipped test in the run.
  it.skip.each(unverified)("$id / $name / $unit: NOT verified (no real $binary is available here)", () => undefined);

  it.each(nodes)("$id / $name: every unit a unit orders after, wants or requires exists on the node", ({ units }) => {
    const available = new Set([...units.map((u) => baseName(u.path)), ...Object.keys(PROVIDED_UNITS)]);
    for (const unit of units) {
      for (const key of ["After", "Wants", "Requires", "WantedBy"]) {
        const section = key === "WantedBy" ? "Install" : "Unit";
        for (const value of unitValues(text(unit), section, key)) {
          for (const dependency of value.split(/\s+/).filter((d) => d !== "")) {
            expect(available.has(dependency), `${unit.path} ${key}=${dependency}`).toBe(true);
          }
        }
      }
    }
  });

  describe("catches broken units", () => {
    // The kubelet unit of the single-node lab, broken in one way at a time.
    const plan = renderCases()[0]!.plan;
    const node = plan.nodes[0]!;
    const kubeletPath = `${UNIT_DIR}/kubelet.service`;
    const good = text(fileAt(fakeNodeFiles(plan, node), kubeletPath));

    async function verifyVariant(label: string, content: string): Promise<Verdict> {
      expect(content, `the ${label} variant must differ from the rendered unit`).not.toBe(good);
      const unit: NodeFile = { path: kubeletPath, content, mode: 0o644 };
      const root = await nodeRoot(dir, `broken-${label}`, [unit]);
      return verify(root, ["kubelet.service"]);
    }

    it("the unbroken unit passes in the same setup", async () => {
      expect(await verifyVariant("none", `${good}# unchanged but for this comment\n`)).toEqual({ exitCode: 0, findings: [] });
    });

    it("a misspelt key", async () => {
      const verdict = await verifyVariant("key", good.replace("RestartSec=1", "RestartSek=1"));
      expect(verdict.findings.join("\n")).toMatch(/Unknown key 'RestartSek' in section \[Service\]/);
    });

    it("an invalid value", async () => {
      const verdict = await verifyVariant("value", good.replace("Restart=always", "Restart=allways"));
      expect(verdict.findings.join("\n")).toMatch(/restart specifier.*allways/);
    });

    it("a binary that is not there", async () => {
      const broken = good.replace("ExecStart=/usr/local/bin/kubelet", "ExecStart=/usr/local/bin/kubelet-missing");
      // nodeRoot places the binary ExecStart names; give it one that the artifacts do not have.
      const root = join(dir, "broken-binary");
      await writeUnder(root, [{ path: kubeletPath, content: broken }]);
      await writeUnder(
        root,
        Object.entries(PROVIDED_UNITS).map(([unit, content]) => ({ path: `${VENDOR_UNIT_DIR}/${unit}`, content })),
      );
      await mkdir(join(root, BIN_DIR), { recursive: true });
      await placeBinary(artifactBin("kubelet"), join(root, BIN_DIR, "kubelet"));
      const verdict = await verify(root, ["kubelet.service"]);
      expect(verdict.exitCode).not.toBe(0);
      expect(verdict.findings.join("\n")).toMatch(/kubelet-missing is not executable/);
    });

    it("flanneld.service, though not verified itself, is still parsed as a unit kubelab-flannel-cni.service wants", async () => {
      const flannel = renderCases().find((c) => c.id === "fedora-multi-flannel-v1.20.2")!.plan;
      const worker = flannel.nodes.find((n) => n.name === "fed-node1")!;
      const units = unitFiles(fakeNodeFiles(flannel, worker));
      const flanneld = `${UNIT_DIR}/flanneld.service`;
      const broken = units.map((u) =>
        u.path === flanneld ? { ...u, content: text(u).replace("RestartSec=1", "RestartSek=1") } : u,
      );
      expect(broken.map(text)).not.toEqual(units.map(text));
      const root = await nodeRoot(dir, "broken-flanneld", broken);
      const verified = units.map((u) => baseName(u.path)).filter((u) => u !== "flanneld.service");
      const verdict = await verify(root, verified);
      expect(verdict.exitCode).not.toBe(0);
      expect(verdict.findings.join("\n")).toMatch(/flanneld\.service:\d+: Unknown key 'RestartSek' in section \[Service\]/);
    });

    it("a required unit that does not exist", async () => {
      const verdict = await verifyVariant("requires", good.replace("Requires=containerd.service", "Requires=containred.service"));
      expect(verdict.exitCode).not.toBe(0);
      expect(verdict.findings.join("\n")).toMatch(/containred\.service not found/);
    });
  });
});
