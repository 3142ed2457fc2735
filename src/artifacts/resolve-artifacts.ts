/**
 * Finds the binaries a lab runs: from the lab's own folder (`artifacts.dir`), else the cache, else
 * a verified download; then single binaries replaced by local ones (`--with name=path`).
 * Only the components the plan uses are looked for: Kubernetes, etcd and the CNI plugins always,
 * flannel when the lab's overlay is flannel. A component whose every binary is replaced by --with
 * is not looked for at all. With something missing and no way to get it, one error names all of it
 * and how to provide it.
 */
import { access, constants, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Lab } from "../config/lab-schema.js";
import { errorMessage, UserError } from "../errors.js";
import type { Plan } from "../plan/plan.js";
import type { Share } from "../providers/provider.js";
import { BIN_DIR, CNI_BIN_DIR } from "../render/node-layout.js";
import type { ArtifactCache } from "./artifact-cache.js";
import { COMPONENT_BINARIES, COMPONENTS, componentOf, componentTitle, type ComponentName } from "./components.js";
import { downloadComponent, type UpstreamOptions } from "./download.js";
import { sha256File } from "./file-hash.js";
import { componentFolder } from "./import-dir.js";
import { readVersionsFile } from "./versions-file.js";

/** Where one component (or one replaced binary) came from. */
export interface ArtifactSource {
  component: ComponentName;
  /** Set for a single replaced binary. */
  binary?: string;
  version: string;
  from: "dir" | "cache" | "download" | "custom";
  /** Host folder (or file, for a custom binary). */
  path: string;
  /** SHA-256 of the custom binary, or of each file as cached. */
  sha256?: string | Record<string, string>;
}

/** The binaries of a lab, by host path. */
export interface ResolvedArtifacts {
  /** Kubernetes, etcd and etcdctl binaries (and flanneld, for flannel labs) by name. */
  binaries: Record<string, string>;
  /** Folder of CNI plugins. */
  cniDir: string;
  sources: ArtifactSource[];
}

/**
 * Options of {@link resolveArtifacts}. `upstreamBases` and `githubApiBase` replace the upstream
 * hosts when the lab sets no mirror (tests point them at a local server).
 */
export interface ResolveOptions extends UpstreamOptions {
  cache: ArtifactCache;
  /** Binaries replaced by local files: name -> path. */
  with?: Record<string, string>;
  /** Folder relative paths in the lab file are resolved against (the lab file's folder). */
  labDir?: string;
  onProgress?: (message: string, done?: number, total?: number) => void;
  fetchImpl?: typeof fetch;
}

/** The version of each component a plan needs: flannel only when the plan runs flanneld. */
export interface WantedVersions {
  kubernetes: string;
  etcd: string;
  "cni-plugins": string;
  flannel?: string;
}

/** The version of each component a plan needs (no flannel key unless its overlay is flannel). */
export function wantedVersions(plan: Plan): WantedVersions {
  const wanted: WantedVersions = { kubernetes: plan.kubernetes.raw, etcd: plan.etcdVersion, "cni-plugins": plan.cniVersion };
  if (plan.flannelVersion !== undefined) wanted.flannel = plan.flannelVersion;
  return wanted;
}

/** The components a plan uses, in {@link COMPONENTS} order. */
export function neededComponents(plan: Plan): ComponentName[] {
  const wanted = wantedVersions(plan);
  return COMPONENTS.filter((c) => wanted[c] !== undefined);
}

/** Parses `--with name=path` values. */
export function parseWith(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1) {
      throw new UserError(`failed to read --with ${value}: expected NAME=PATH`, {
        hint: "e.g. --with kube-apiserver=./_output/bin/kube-apiserver",
        exitCode: 2,
      });
    }
    out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}

/** Checks a `--with` binary against the components the lab uses; returns its absolute path. */
async function checkCustomBinary(name: string, path: string, used: readonly ComponentName[]): Promise<string> {
  const component = componentOf(name);
  const replaceable = used.filter((c) => c !== "cni-plugins").flatMap((c) => COMPONENT_BINARIES[c]);
  if (component && component !== "cni-plugins" && !used.includes(component)) {
    throw new UserError(`failed to use --with ${name}: the lab does not run ${componentTitle(component)}`, {
      hint: `${name} runs only in labs with network.overlay: ${component}; replaceable binaries: ${replaceable.join(", ")}`,
      exitCode: 2,
    });
  }
  if (!component || component === "cni-plugins") {
    throw new UserError(`failed to use --with ${name}: no such component`, { hint: `replaceable binaries: ${replaceable.join(", ")}`, exitCode: 2 });
  }
  const full = resolve(path);
  const ok = await stat(full).then((s) => s.isFile(), () => false);
  if (!ok) throw new UserError(`failed to use --with ${name}=${path}: no such file`, { exitCode: 2 });
  await access(full, constants.X_OK).catch(() => {
    throw new UserError(`failed to use --with ${name}=${path}: the file is not executable`, { hint: `chmod +x ${path}`, exitCode: 2 });
  });
  return full;
}

/** Resolves every binary of a plan: only the components it uses, and none that --with replaces whole. */
export async function resolveArtifacts(
  plan: Plan,
  config: Lab["artifacts"],
  options: ResolveOptions,
): Promise<ResolvedArtifacts> {
  const wanted = wantedVersions(plan);
  const used = neededComponents(plan);
  // Bad --with values fail before anything is downloaded.
  const custom: [string, string][] = [];
  for (const [name, path] of Object.entries(options.with ?? {})) custom.push([name, await checkCustomBinary(name, path, used)]);
  const replaced = new Set(custom.map(([name]) => name));
  // A component whose every binary is replaced need not be found (nor trusted) at all.
  const needed = used.filter((c) => !COMPONENT_BINARIES[c].every((b) => replaced.has(b)));
  const folders: Partial<Record<ComponentName, string>> = {};
  const sources: ArtifactSource[] = [];
  const missing: string[] = [];

  if (config.dir) {
    const dir = resolve(options.labDir ?? ".", config.dir);
    const stated = await readVersionsFile(dir);
    for (const component of needed) {
      const want = wanted[component]!;
      const folder = componentFolder(dir, component);
      const absent = [];
      for (const b of COMPONENT_BINARIES[component]) {
        if (!(await stat(join(folder, b)).then((s) => s.isFile(), () => false))) absent.push(b);
      }
      if (absent.length) {
        missing.push(`${componentTitle(component)} in ${folder}: ${absent.join(", ")}`);
        continue;
      }
      const version = stated[component];
      if (version && version !== want) {
        throw new UserError(
          `failed to use artifacts.dir ${dir}: it holds ${componentTitle(component)} ${version}, the lab wants ${want}`,
          { hint: `change the lab's version, or point artifacts.dir at a ${want} folder` },
        );
      }
      folders[component] = folder;
      sources.push({ component, version: version ?? want, from: "dir", path: folder });
    }
  } else {
    const failures: string[] = [];
    for (const component of needed) {
      const version = wanted[component]!;
      let manifest = await options.cache.manifest(component, version);
      let from: ArtifactSource["from"] = "cache";
      if (!manifest) {
        try {
          manifest = await downloadComponent(component, version, {
            cache: options.cache,
            mirror: config.mirror,
            flannelSha256: config.flannelSha256,
            upstreamBases: options.upstreamBases,
            githubApiBase: options.githubApiBase,
            onProgress: options.onProgress,
            fetchImpl: options.fetchImpl,
          });
          from = "download";
        } catch (error) {
          if (error instanceof UserError) throw error;
          failures.push(`${componentTitle(component)} ${version} (${errorMessage(error)})`);
          missing.push(`${componentTitle(component)} ${version}`);
          continue;
        }
      }
      const folder = options.cache.dir(component, version);
      folders[component] = folder;
      sources.push({ component, version, from, path: folder, sha256: manifest.files });
    }
    if (failures.length) {
      const flannelFailed = missing.some((m) => m.startsWith(`${componentTitle("flannel")} `));
      throw new UserError(`failed to get the lab's binaries: ${failures.join("; ")}`, {
        hint: [
          `nothing is cached in ${options.cache.root} for ${missing.join(", ")} and the download failed. Provide them with one of:`,
          "  lab artifacts import DIR      (a folder with bin/, cni/ and VERSIONS; see ../shared/scripts/k8s-test-artifacts)",
          "  artifacts: { dir: DIR }       in the lab file, to use a folder in place",
          "  artifacts: { mirror: URL }    in the lab file, for a mirror of the release files",
          ...(flannelFailed ? ["  --with flanneld=PATH          for a flanneld you have at hand"] : []),
        ].join("\n"),
      });
    }
  }
  if (missing.length) {
    throw new UserError(`failed to find the lab's binaries: ${missing.join("; ")}`, {
      hint: "fill the folder, or remove artifacts.dir to use the cache or a download",
    });
  }

  const binaries: Record<string, string> = {};
  for (const component of needed) {
    if (component === "cni-plugins") continue;
    for (const b of COMPONENT_BINARIES[component]) binaries[b] = join(folders[component]!, b);
  }
  for (const [name, full] of custom) {
    binaries[name] = full;
    sources.push({ component: componentOf(name)!, binary: name, version: "custom", from: "custom", path: full, sha256: await sha256File(full) });
  }
  return { binaries, cniDir: folders["cni-plugins"]!, sources };
}

/**
 * The host paths nodes see: each resolved binary (flanneld too, when the lab runs it) at
 * /usr/local/bin/<name>, the CNI plugins at /opt/cni/bin.
 */
export function artifactShares(artifacts: ResolvedArtifacts): Share[] {
  return [
    ...Object.entries(artifacts.binaries).map(([name, hostPath]) => ({ hostPath, nodePath: `${BIN_DIR}/${name}` })),
    { hostPath: artifacts.cniDir, nodePath: CNI_BIN_DIR },
  ];
}
