/**
 * `lab kubeconfig`: where a lab's admin kubeconfig is, and putting its credentials into the
 * user's kubeconfig (`$KUBECONFIG`'s first file, else `~/.kube/config`) and taking them out again.
 * The user's file is written atomically, keeps its mode (a new one is 0600), and a symbolic link
 * to it stays a link: the file it points to is the one written.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { writeFileAtomic } from "../atomic-write.js";
import { UserError } from "../errors.js";
import { LabPaths } from "../lab-paths.js";
import { labEntryName, mergeLabEntries, removeLabEntries } from "./kubeconfig-merge.js";

/** What `--merge` did. */
export interface KubeconfigMerge {
  lab: string;
  /** The user's kubeconfig that was written. */
  file: string;
  /** The name of the lab's cluster, user and context in it. */
  context: string;
  /** True when the lab's context became the current one (the file had none). */
  currentContextSet: boolean;
  /** True when the lab's entries were there already and were replaced. */
  replaced: boolean;
}

/** What `--unmerge` did. */
export interface KubeconfigUnmerge {
  lab: string;
  file: string;
  context: string;
  /** How many entries were removed (0 when the lab was not in the file). */
  removed: number;
  /** True when the current context was the lab's and was cleared. */
  currentContextCleared: boolean;
}

/** The user's kubeconfig: the first file in `$KUBECONFIG`, else `~/.kube/config`. */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? "").split(delimiter).find((p) => p !== "");
  return first ?? join(env.HOME || homedir(), ".kube", "config");
}

/** The path of a lab's admin kubeconfig; a UserError when the lab has none. */
export async function labKubeconfigPath(lab: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = new LabPaths(lab, env).adminKubeconfig;
  if (!(await stat(path).catch(() => undefined))) {
    throw new UserError(`failed to find the kubeconfig of lab ${lab}: the lab does not exist (or never got as far as its certificates)`, {
      hint: `\`lab list\` shows the labs there are; bring this one up with: lab up ${lab}`,
    });
  }
  return path;
}

/** Adds (or replaces) the lab's cluster, user and context `lab-NAME` in the user's kubeconfig. */
export async function mergeLabKubeconfig(lab: string, env: NodeJS.ProcessEnv = process.env): Promise<KubeconfigMerge> {
  const labText = await readFile(await labKubeconfigPath(lab, env), "utf8");
  const { file, text, mode } = await readUserKubeconfig(env);
  const context = labEntryName(lab);
  const merged = mergeLabEntries(text, labText, context, file);
  await writeUserKubeconfig(file, merged.text, mode);
  return { lab, file, context, currentContextSet: merged.currentContextSet, replaced: merged.replaced };
}

/**
 * Removes the lab's entries from the user's kubeconfig. The lab itself need not exist any more;
 * a file without them (or no file) is left alone.
 */
export async function unmergeLabKubeconfig(lab: string, env: NodeJS.ProcessEnv = process.env): Promise<KubeconfigUnmerge> {
  const { file, text, mode } = await readUserKubeconfig(env);
  const context = labEntryName(lab);
  if (text === undefined) return { lab, file, context, removed: 0, currentContextCleared: false };
  const unmerged = removeLabEntries(text, context, file);
  if (unmerged.removed > 0 || unmerged.currentContextCleared) await writeUserKubeconfig(file, unmerged.text, mode);
  return { lab, file, context, removed: unmerged.removed, currentContextCleared: unmerged.currentContextCleared };
}

/** The user's kubeconfig (the file a link points to), its text and mode; no text when it does not exist. */
async function readUserKubeconfig(env: NodeJS.ProcessEnv): Promise<{ file: string; text: string | undefined; mode: number }> {
  const named = userKubeconfigPath(env);
  const file = await realpath(named).catch(() => named);
  try {
    const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    return { file, text, mode: info.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { file, text: undefined, mode: 0o600 };
    throw new UserError(`failed to read the kubeconfig ${file}: ${(error as Error).message}`, {
      hint: "check its permissions, or point KUBECONFIG at another file",
      cause: error,
    });
  }
}

async function writeUserKubeconfig(file: string, text: string, mode: number): Promise<void> {
  try {
    await writeFileAtomic(file, text, mode);
  } catch (error) {
    throw new UserError(`failed to write the kubeconfig ${file}: ${(error as Error).message}`, {
      hint: "check the permissions of the file and its folder, or point KUBECONFIG at another file",
      cause: error,
    });
  }
}
