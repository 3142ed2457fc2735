/**
 * Finds the binaries a lab runs: from the lab's own folder (`artifacts.dir`), else the cache, else
 * a verified download; then single binaries replaced by local ones (`--with name=path`).
 * With something missing and no way to get it, one error names all of it and how to provide it.
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
import { downloadComponent } from "./download.js";
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
  /** Kubernetes, etcd and etcdctl binaries by name. */
  binaries: Record<string, string>;
  /** Folder of CNI plugins. */
  cniDir: string;
  sources: ArtifactSource[];
}

/** Options of {@link resolveArtifacts}. */
export interface ResolveOptions {
  cache: ArtifactCache;
  /** Binaries replaced by local files: name -> path. */
  with?: Record<string, string>;
  /** Folder relative paths in the lab file are resolved against (the lab file's folder). */
  labDir?: string;
  onProgress?: (message: string, done?: number, total?: number) => void;
  fetchImpl?: typeof fetch;
}

/** The version of each component a plan needs. */
export function wantedVersions(plan: Plan): Record<ComponentName, string> {
  return { kubernetes: plan.kubernetes.raw, etcd: plan.etcdVersion, "cni-plugins": plan.cniVersion };
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

async function checkCustomBinary(name: string, path: string): Promise<string> {
  if (!componentOf(name) || componentOf(name) === "cni-plugins") {
    const known = [...COMPONENT_BINARIES.kubernetes, ...COMPONENT_BINARIES.etcd].join(", ");
    throw new UserError(`failed to use --with ${name}: no such component`, { hint: `replaceable binaries: ${known}`, exitCode: 2 });
  }
  const full = resolve(path);
  const ok = await stat(full).then((s) => s.isFile(), () => false);
  if (!ok) throw new UserError(`failed to use --with ${name}=${path}: no such file`, { exitCode: 2 });
  await access(full, constants.X_OK).catch(() => {
    throw new UserError(`failed to use --with ${name}=${path}: the file is not executable`, { hint: `chmod +x ${path}`, exitCode: 2 });
  });
  return full;
}

/** Resolves every binary of a plan. */
export async function resolveArtifacts(
  plan: Plan,
  config: Lab["artifacts"],
  options: ResolveOptions,
): Promise<ResolvedArtifacts> {
  const wanted = wantedVersions(plan);
  // Bad --with values fail before anything is downloaded.
  const custom: [string, string][] = [];
  for (const [name, path] of Object.entries(options.with ?? {})) custom.push([name, await checkCustomBinary(name, path)]);
  const folders = {} as Record<ComponentName, string>;
  const sources: ArtifactSource[] = [];
  const missing: string[] = [];

  if (config.dir) {
    const dir = resolve(options.labDir ?? ".", config.dir);
    const stated = await readVersionsFile(dir);
    for (const component of COMPONENTS) {
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
      if (version && version !== wanted[component]) {
        throw new UserError(
          `failed to use artifacts.dir ${dir}: it holds ${componentTitle(component)} ${version}, the lab wants ${wanted[component]}`,
          { hint: `change the lab's version, or point artifacts.dir at a ${wanted[component]} folder` },
        );
      }
      folders[component] = folder;
      sources.push({ component, version: version ?? wanted[component], from: "dir", path: folder });
    }
  } else {
    const failures: string[] = [];
    for (const component of COMPONENTS) {
      const version = wanted[component];
      let manifest = await options.cache.manifest(component, version);
      let from: ArtifactSource["from"] = "cache";
      if (!manifest) {
        try {
          manifest = await downloadComponent(component, version, {
            cache: options.cache,
            mirror: config.mirror,
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
      folders[component] = options.cache.dir(component, version);
      sources.push({ component, version, from, path: folders[component], sha256: manifest.files });
    }
    if (failures.length) {
      throw new UserError(`failed to get the lab's binaries: ${failures.join("; ")}`, {
        hint: [
          `nothing is cached in ${options.cache.root} for ${missing.join(", ")} and the download failed. Provide them with one of:`,
          "  lab artifacts import DIR      (a folder with bin/, cni/ and VERSIONS; see ../shared/scripts/k8s-test-artifacts)",
          "  artifacts: { dir: DIR }       in the lab file, to use a folder in place",
          "  artifacts: { mirror: URL }    in the lab file, for a mirror of the release files",
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
  for (const component of ["kubernetes", "etcd"] as const) {
    for (const b of COMPONENT_BINARIES[component]) binaries[b] = join(folders[component], b);
  }
  for (const [name, full] of custom) {
    binaries[name] = full;
    sources.push({ component: componentOf(name)!, binary: name, version: "custom", from: "custom", path: full, sha256: await sha256File(full) });
  }
  return { binaries, cniDir: folders["cni-plugins"], sources };
}

/** The host paths nodes see: each binary at /usr/local/bin/<name>, the CNI plugins at /opt/cni/bin. */
export function artifactShares(artifacts: ResolvedArtifacts): Share[] {
  return [
    ...Object.entries(artifacts.binaries).map(([name, hostPath]) => ({ hostPath, nodePath: `${BIN_DIR}/${name}` })),
    { hostPath: artifacts.cniDir, nodePath: CNI_BIN_DIR },
  ];
}
