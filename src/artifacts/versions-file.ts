/**
 * The VERSIONS file of an artifact folder: one "component version" line each, e.g.
 * "kubernetes v1.20.2", "etcd 3.4.23", "cni-plugins 1.1.1+ds1-3+b5", "flannel v0.22.0".
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { COMPONENTS, type ComponentName } from "./components.js";

/** Versions (always with a leading "v") by component, as a folder's VERSIONS file states them. */
export async function readVersionsFile(dir: string): Promise<Partial<Record<ComponentName, string>>> {
  let text: string;
  try {
    text = await readFile(join(dir, "VERSIONS"), "utf8");
  } catch {
    return {};
  }
  const versions: Partial<Record<ComponentName, string>> = {};
  for (const line of text.split("\n")) {
    const [name, version] = line.trim().split(/\s+/);
    // Packagers add suffixes ("1.1.1+ds1-3+b5" in Debian): the release is the leading x.y.z.
    const release = version?.match(/^v?(\d+\.\d+\.\d+)/)?.[1];
    if (name && release && (COMPONENTS as string[]).includes(name)) versions[name as ComponentName] = `v${release}`;
  }
  return versions;
}
