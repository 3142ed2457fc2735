/**
 * The image recipes under images/ (node, pause, toolbox, iptables): their files as build contexts
 * and a hash of their contents, which tags what they build.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { packagePath } from "../package-root.js";
import type { ContextFile } from "./docker-engine.js";

/** Files of a recipe folder, relative to it, sorted. */
async function recipeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

/** A hash of recipes' files (12 hex digits). */
export async function recipeHash(recipes: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const recipe of recipes) {
    const dir = packagePath("images", recipe);
    for (const file of await recipeFiles(dir)) {
      hash.update(`${recipe}/${file}\0`);
      hash.update(await readFile(join(dir, file)));
    }
  }
  return hash.digest("hex").slice(0, 12);
}

/** A recipe folder as build context files. */
export async function recipeContext(recipe: string): Promise<Record<string, ContextFile>> {
  const dir = packagePath("images", recipe);
  const files: Record<string, ContextFile> = {};
  for (const file of await recipeFiles(dir)) {
    const full = join(dir, file);
    files[file] = { content: await readFile(full), mode: (await stat(full)).mode & 0o777 };
  }
  return files;
}
