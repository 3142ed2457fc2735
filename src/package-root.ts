/**
 * Files shipped with kubelab (labs/, images/, schema/, Vagrantfile.tpl), found relative to this
 * module so it works from src/ (tests) and dist/ (installed) alike.
 */
import { fileURLToPath } from "node:url";

/** Absolute path of a file or folder at the package root. */
export function packagePath(...parts: string[]): string {
  return fileURLToPath(new URL(["..", ...parts].join("/"), import.meta.url));
}
