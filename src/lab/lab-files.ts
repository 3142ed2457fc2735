/**
 * The lab files there are to bring up by name: `labs/*.yaml` in the current folder, then the labs
 * shipped with kubelab (a name in both is the current folder's, as `lab up NAME` finds it).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { packagePath } from "../package-root.js";

/** A lab file found by {@link labFiles}. */
export interface LabFileEntry {
  /** The name `lab up` takes (the file's name without `.yaml`). */
  name: string;
  path: string;
  /** The file's `description`, when it has one and it can be read. */
  description?: string;
}

/** Every lab file, sorted by name. */
export async function labFiles(cwd = process.cwd()): Promise<LabFileEntry[]> {
  const found = new Map<string, LabFileEntry>();
  for (const dir of [join(cwd, "labs"), packagePath("labs")]) {
    for (const file of (await readdir(dir).catch(() => [])).sort()) {
      const name = file.replace(/\.yaml$/, "");
      if (name === file || found.has(name)) continue;
      const path = join(dir, file);
      const description = await readDescription(path);
      found.set(name, { name, path, ...(description ? { description } : {}) });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A lab file's description; undefined for a file without one or that is not valid YAML. */
async function readDescription(path: string): Promise<string | undefined> {
  try {
    const doc = parse(await readFile(path, "utf8")) as { description?: unknown } | null;
    return typeof doc?.description === "string" ? doc.description : undefined;
  } catch {
    return undefined;
  }
}
