/**
 * Vagrant's boxes, as the `vagrant box` commands and its box folder show them: which boxes there
 * are, where a box's libvirt files are, adding and removing one. Vagrant's home is the user's
 * ($VAGRANT_HOME, default ~/.vagrant.d), never one of kubelab's.
 */
import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { runHostTool, VAGRANT } from "./host-tools.js";

/** Vagrant's home folder. */
export function vagrantHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.VAGRANT_HOME || join(homedir(), ".vagrant.d");
}

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The folder holding a box's libvirt files (metadata.json, the disk, its Vagrantfile), or undefined
 * when Vagrant has no libvirt box of that name. Vagrant keeps it at
 * boxes/<name, "/" spelt "-VAGRANTSLASH-">/<version>/libvirt, or since Vagrant 2.4 possibly
 * .../<version>/<architecture>/libvirt; a box added from a file has version 0.
 */
export async function libvirtBoxDir(box: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const root = join(vagrantHome(env), "boxes", box.replaceAll("/", "-VAGRANTSLASH-"));
  const versions = await readdir(root).catch(() => [] as string[]);
  for (const version of versions.filter((v) => !v.startsWith(".")).sort()) {
    const dir = join(root, version);
    const candidates = [join(dir, "libvirt"), ...(await readdir(dir).catch(() => [] as string[])).map((arch) => join(dir, arch, "libvirt"))];
    for (const candidate of candidates) if (await exists(join(candidate, "metadata.json"))) return candidate;
  }
  return undefined;
}

/** The names of the boxes Vagrant has (any provider). */
export async function listBoxes(): Promise<string[]> {
  const out = await runHostTool(VAGRANT, ["box", "list", "--machine-readable"], { what: "list Vagrant's boxes" });
  // Lines are "timestamp,target,type,data"; one "box-name" line per box and provider.
  const names = out.split("\n").flatMap((line) => {
    const [, , type, data] = line.split(",");
    return type === "box-name" && data ? [data.trim()] : [];
  });
  return [...new Set(names)];
}

/** Adds the box file `file` as `box` (replacing a box of that name). */
export async function addBox(box: string, file: string, onLine?: (line: string) => void): Promise<void> {
  await runHostTool(VAGRANT, ["box", "add", "--force", "--name", box, file], { what: `add the box ${box} to Vagrant`, onLine });
}

/**
 * Removes every version of a box, unless a Vagrant machine uses it: Vagrant asks before removing a
 * box in use and, with no terminal to ask on, refuses. Resolves true when the box was removed.
 */
export async function removeBoxUnlessUsed(box: string): Promise<boolean> {
  return runHostTool(VAGRANT, ["box", "remove", "--all", box], { what: `remove the box ${box}` }).then(
    () => true,
    () => false,
  );
}
