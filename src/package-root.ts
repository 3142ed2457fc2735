/**
 * Files shipped with kubelab (labs/, images/, schema/, Vagrantfile.tpl), found relative to this
 * module so it works from src/ (tests) and dist/ (installed) alike; and kubelab's own version.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** Absolute path of a file or folder at the package root. */
export function packagePath(...parts: string[]): string {
  return fileURLToPath(new URL(["..", ...parts].join("/"), import.meta.url));
}

/** This kubelab's version, from its package.json. */
export async function kubelabVersion(): Promise<string> {
  return (JSON.parse(await readFile(packagePath("package.json"), "utf8")) as { version: string }).version;
}
