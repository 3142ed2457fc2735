/**
 * `lab artifacts import DIR`: puts a local folder of binaries (bin/ with Kubernetes, etcd and
 * etcdctl, and flanneld for flannel labs; cni/ with the CNI plugins; a VERSIONS file) into the
 * cache, so labs find them offline. Each component the folder holds is imported; none is required.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import type { ArtifactCache, CacheManifest } from "./artifact-cache.js";
import { COMPONENT_BINARIES, COMPONENTS, componentTitle, type ComponentName } from "./components.js";
import { readVersionsFile } from "./versions-file.js";

/** Folder of each component inside an artifact folder. */
export function componentFolder(dir: string, component: ComponentName): string {
  return join(dir, component === "cni-plugins" ? "cni" : "bin");
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** Imports every component the folder holds completely; returns what was cached. */
export async function importArtifactDir(dir: string, cache: ArtifactCache): Promise<CacheManifest[]> {
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new UserError(`failed to import artifacts: ${dir} is not a folder`, {
      hint: "pass a folder with bin/ (kube-apiserver, ..., etcd, etcdctl, and flanneld for flannel labs), cni/ (bridge, host-local, ...) and a VERSIONS file",
    });
  }
  const versions = await readVersionsFile(dir);
  // Check every component first, so a folder with a problem imports nothing.
  const planned: { component: ComponentName; version: string; files: Map<string, string> }[] = [];
  const problems: string[] = [];
  for (const component of COMPONENTS) {
    const folder = componentFolder(dir, component);
    const present = await Promise.all(COMPONENT_BINARIES[component].map((b) => isFile(join(folder, b))));
    if (!present.some(Boolean)) continue;
    const version = versions[component];
    const missing = COMPONENT_BINARIES[component].filter((_, i) => !present[i]);
    if (missing.length) {
      problems.push(`${componentTitle(component)}: ${folder} lacks ${missing.join(", ")}`);
      continue;
    }
    if (!version) {
      problems.push(`${componentTitle(component)}: ${join(dir, "VERSIONS")} has no "${component} <version>" line`);
      continue;
    }
    // A component's folder may hold more than the required binaries (every CNI plugin): keep them all.
    const names = component === "cni-plugins" ? await readdir(folder) : COMPONENT_BINARIES[component];
    const files = new Map<string, string>();
    for (const name of names) if (await isFile(join(folder, name))) files.set(name, join(folder, name));
    planned.push({ component, version, files });
  }
  if (problems.length || planned.length === 0) {
    throw new UserError(`failed to import artifacts from ${dir}: ${problems.length ? problems.join("; ") : "it holds none"}`, {
      hint: 'the folder needs bin/, cni/ and a VERSIONS file with lines like "kubernetes v1.20.2", "etcd v3.4.23", "cni-plugins v1.1.1" (and "flannel v0.22.0" with bin/flanneld)',
    });
  }
  const imported: CacheManifest[] = [];
  for (const p of planned) imported.push(await cache.store(p.component, p.version, p.files, `import ${dir}`));
  return imported;
}
