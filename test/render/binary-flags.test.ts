/**
 * Every flag a rendered v1.20.2 unit or static pod manifest passes exists in the real v1.20.2
 * binary it runs:
 *
 * 1. its name appears as a flag in `<binary> --help`; the one exception allowed is a flag the
 *    binary hides from its help because it is deprecated (v1.20's kube-apiserver hides
 *    --insecure-port), which must then be accepted and reported as deprecated by the binary itself;
 * 2. the unit's whole command line parses: `<binary> <rendered flags> --version` exits 0 and
 *    prints the version. Kubernetes binaries and etcd parse every flag (names, and values into
 *    their types: ports, durations, IPs, levels) before acting on --version, and stop there.
 *
 * Flags come from the rendered units' ExecStart= and the static pods' command (what reaches the
 * node), not from the flag lists. The systemd labs cover every component as a unit, the static pod
 * lab (coreos-single) the control plane and kube-proxy as static pods.
 *
 * flanneld (the workers of fedora-multi with the flannel overlay) is the exception: no real
 * flanneld can be obtained on this machine, so its units' flags are NOT checked against one. Those
 * checks are listed as skipped tests and the run says so on the console; every other unit of those
 * nodes is checked as above, and flanneld's units are still checked to hold exactly its flag list.
 */
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { etcdFlags } from "../../src/render/etcd.js";
import { renderFlag } from "../../src/render/flags.js";
import { apiServerFlags } from "../../src/render/kube-apiserver.js";
import { controllerManagerFlags } from "../../src/render/kube-controller-manager.js";
import { kubeProxyFlags } from "../../src/render/kube-proxy.js";
import { schedulerFlags } from "../../src/render/kube-scheduler.js";
import { kubeletFlags } from "../../src/render/kubelet.js";
import { flanneldFlags } from "../../src/render/flannel.js";
import { STATIC_POD_COMPONENTS } from "../../src/render/static-pods.js";
import {
  baseName,
  execStart,
  fakeNodeFiles,
  flagNames,
  manifestFiles,
  podCommand,
  renderCase,
  text,
  componentUnits,
  v1202Cases,
} from "./lab-fixtures.js";
import {
  announceUnchecked,
  artifactBin,
  failWhenMissing,
  missingBinaries,
  skipUnlessAvailable,
  unobtainable,
} from "./real-tools.js";

const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"];
const missing = await missingBinaries(BINARIES);
const SUITE = "rendered flags against the real v1.20.2 binaries";

/** The help text of each binary (etcd prints part of it on stderr). */
const helpCache = new Map<string, Promise<string>>();
function helpOf(binary: string): Promise<string> {
  let help = helpCache.get(binary);
  if (!help) {
    help = execa(artifactBin(binary), ["--help"], { reject: false, timeout: 30_000 }).then((r) => {
      if (r.exitCode !== 0) throw new Error(`${binary} --help exited ${r.exitCode}: ${r.stderr}`);
      return `${r.stdout}\n${r.stderr}`;
    });
    helpCache.set(binary, help);
  }
  return help;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The names among `names` that `help` does not list as a flag. */
function flagsNotInHelp(help: string, names: readonly string[]): string[] {
  // A flag is listed as "  --name type  ...", "  -v, --v Level", "  --name 'default'" (etcd).
  return names.filter((name) => !new RegExp(`(^|[\\s,])--${escapeRegExp(name)}(?=[\\s=\\[]|$)`, "m").test(help));
}

/** Runs a binary with `args` followed by --version. */
function withVersion(binary: string, args: readonly string[]) {
  return execa(artifactBin(binary), [...args, "--version"], { reject: false, timeout: 30_000 });
}

const VERSION_LINE: Record<string, RegExp> = {
  etcd: /^etcd Version: 3\./m,
  default: /^Kubernetes v1\.20\.2$/m,
};
const DEPRECATION = /^Flag --([a-z0-9-]+) has been deprecated/;

/** Every command line a v1.20.2 node gets: from its units and from its static pod manifests. */
const allCommandLines = v1202Cases().flatMap(({ id, plan }) =>
  plan.nodes.flatMap((node) => {
    const files = fakeNodeFiles(plan, node);
    const fromUnits = componentUnits(files).map((unit) => ({ kind: "unit" as const, file: unit, ...execStart(text(unit)) }));
    const fromManifests = manifestFiles(files).map((m) => ({ kind: "manifest" as const, file: m, ...podCommand(text(m)) }));
    return [...fromUnits, ...fromManifests].map(({ kind, file, binary, args }) => ({
      id,
      node: node.name,
      kind,
      unit: baseName(file.path),
      binary: baseName(binary),
      args,
    }));
  }),
);
/** The command lines checked against their real binary: all but those of a binary that cannot be had here. */
const commandLines = allCommandLines.filter((c) => !unobtainable(c.binary));
/** The command lines NOT checked against a real binary (flanneld's), and so listed as skipped. */
const unchecked = allCommandLines.filter((c) => unobtainable(c.binary));
const units = commandLines.filter((c) => c.kind === "unit");
const manifests = commandLines.filter((c) => c.kind === "manifest");

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  beforeAll(() => {
    announceUnchecked(
      SUITE,
      "these units' flags were not checked against the real binary's --help nor parsed by it, because none is available here",
      unchecked.map((c) => ({ binary: c.binary, where: `${c.id} / ${c.node} / ${c.unit}` })),
    );
  });

  it("covers every component as a unit, and every static pod component as a manifest", () => {
    expect(new Set(units.map((u) => u.binary))).toEqual(new Set(BINARIES));
    expect(new Set(manifests.map((m) => m.binary))).toEqual(new Set(STATIC_POD_COMPONENTS));
    for (const m of manifests) expect(m.unit).toBe(`${m.binary}.yaml`);
  });

  it("leaves out exactly flanneld's units (the flannel lab's workers), and nothing else of those nodes", () => {
    expect(unchecked.map((c) => `${c.id}/${c.node}/${c.unit}`)).toEqual([
      "fedora-multi-flannel-v1.20.2/fed-node1/flanneld.service",
      "fedora-multi-flannel-v1.20.2/fed-node2/flanneld.service",
    ]);
    // The other components of those workers are checked like any other node's.
    for (const node of ["fed-node1", "fed-node2"]) {
      expect(
        units.filter((u) => u.id === "fedora-multi-flannel-v1.20.2" && u.node === node).map((u) => u.unit).sort(),
        node,
      ).toEqual(["kube-proxy.service", "kubelet.service"]);
    }
  });

  // Listed, not silently dropped: each shows as a skipped test in the run.
  it.skip.each(unchecked)(
    "$id / $node / $unit: NOT checked against a real $binary (none is available here)",
    () => undefined,
  );

  it.each(commandLines)("$id / $node / $unit: every flag is one of $binary's", async ({ binary, args }) => {
    const names = flagNames(args);
    expect(names.length).toBeGreaterThan(0);
    const hidden = flagsNotInHelp(await helpOf(binary), names);
    // A flag missing from the help must be one the binary hides because it is deprecated.
    for (const name of hidden) {
      const arg = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))!;
      const run = await withVersion(binary, [arg]);
      expect(run.exitCode, `${binary} ${arg}: ${run.stderr}`).toBe(0);
      expect(run.stderr, `${binary} does not list --${name} in its help and does not call it deprecated`).toMatch(
        new RegExp(`^Flag --${escapeRegExp(name)} has been deprecated`, "m"),
      );
    }
  });

  it.each(commandLines)("$id / $node / $unit: $binary parses the whole command line", async ({ binary, args }) => {
    const run = await withVersion(binary, args);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(VERSION_LINE[binary] ?? VERSION_LINE.default!);
    // Nothing but deprecation notices, and only for flags we render.
    const names = new Set(flagNames(args));
    for (const line of run.stderr.split("\n").filter((l) => l.trim() !== "")) {
      const deprecated = DEPRECATION.exec(line);
      expect(deprecated, `unexpected output from ${binary}: ${line}`).not.toBeNull();
      expect(names.has(deprecated![1]!)).toBe(true);
    }
  });

  it("the units hold exactly the flag lists", () => {
    const single = renderCase("coreos-single-systemd-v1.20.2");
    const { plan } = single;
    const node = plan.nodes[0]!;
    const argsOf = (unit: string): string[] => {
      const found = units.find((u) => u.id === single.id && u.node === node.name && u.unit === unit);
      if (!found) throw new Error(`no ${unit}`);
      return found.args;
    };
    expect(argsOf("etcd.service")).toEqual(etcdFlags(plan, node).map(renderFlag));
    expect(argsOf("kube-apiserver.service")).toEqual(apiServerFlags(plan, node).map(renderFlag));
    expect(argsOf("kube-controller-manager.service")).toEqual(controllerManagerFlags(plan).map(renderFlag));
    expect(argsOf("kube-scheduler.service")).toEqual(schedulerFlags(plan).map(renderFlag));
    expect(argsOf("kubelet.service")).toEqual(kubeletFlags(plan, node).map(renderFlag));
    expect(argsOf("kube-proxy.service")).toEqual(kubeProxyFlags().map(renderFlag));
  });

  it("flanneld's units hold exactly its flag list (the flags themselves are not checked against a flanneld)", () => {
    const { plan } = renderCase("fedora-multi-flannel-v1.20.2");
    for (const c of unchecked) {
      const node = plan.nodes.find((n) => n.name === c.node);
      if (!node) throw new Error(`no node ${c.node}`);
      expect(c.args, c.node).toEqual(flanneldFlags(plan, node).map(renderFlag));
      expect(c.args, c.node).toContain(`--public-ip=${node.ip}`);
    }
  });

  it("the static pods run the same command lines as the units of the systemd variant", () => {
    const argsOf = (id: string, file: string): string[] => {
      const found = commandLines.find((c) => c.id === id && c.node === "core1" && c.unit === file);
      if (!found) throw new Error(`no ${file} in ${id}`);
      return found.args;
    };
    for (const component of STATIC_POD_COMPONENTS) {
      expect(argsOf("coreos-single-v1.20.2", `${component}.yaml`), component).toEqual(
        argsOf("coreos-single-systemd-v1.20.2", `${component}.service`),
      );
    }
  });

  it("v1.20.2's kube-apiserver hides the deprecated --insecure-port from its help but accepts it", async () => {
    expect(flagsNotInHelp(await helpOf("kube-apiserver"), ["insecure-port", "secure-port"])).toEqual(["insecure-port"]);
    const run = await withVersion("kube-apiserver", ["--insecure-port=0"]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/Flag --insecure-port has been deprecated/);
  });

  describe("catches flags that do not exist", () => {
    it.each(BINARIES)("%s: a made-up flag is not in the help", async (binary) => {
      const help = await helpOf(binary);
      expect(flagsNotInHelp(help, ["made-up-flag", "kubeconfigs"])).toEqual(["made-up-flag", "kubeconfigs"]);
    });

    it.each(BINARIES)("%s: a made-up flag fails the command line", async (binary) => {
      const run = await withVersion(binary, ["--made-up-flag=1"]);
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/unknown flag: --made-up-flag|flag provided but not defined: -made-up-flag/);
    });

    it("a misspelt flag hidden among rendered ones", async () => {
      const apiserver = units.find((u) => u.unit === "kube-apiserver.service");
      if (!apiserver) throw new Error("no kube-apiserver unit");
      const args = apiserver.args.map((a) => a.replace("--etcd-servers=", "--etcd-server="));
      const notInHelp = flagsNotInHelp(await helpOf("kube-apiserver"), flagNames(args));
      expect(notInHelp).toContain("etcd-server");
      expect(notInHelp).not.toContain("etcd-servers");
      const run = await withVersion("kube-apiserver", args);
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/unknown flag: --etcd-server\b/);
    });

    it("a value of the wrong type", async () => {
      const run = await withVersion("kube-apiserver", ["--secure-port=six-four-four-three"]);
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/invalid argument "six-four-four-three" for "--secure-port"/);
    });
  });
});
