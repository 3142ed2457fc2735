/**
 * Images into a node's containerd: `docker save` tarballs streamed into `ctr images import -`
 * (the same on every provider), and the list of what a node holds.
 */
import { CommandError, shellLine } from "../errors.js";
import type { LabContext } from "./lab-context.js";
import { exec, lastLines } from "./node-commands.js";

const IMPORT = ["ctr", "--namespace", "k8s.io", "images", "import", "-"];

/** Loads one image tarball into a node's containerd. */
export async function loadImageArchive(ctx: LabContext, node: string, archive: Buffer, what: string): Promise<void> {
  const r = await exec(ctx, node, IMPORT, archive);
  if (r.exitCode !== 0) {
    throw new CommandError(`failed to load ${what} into node ${node}`, {
      command: `${shellLine(IMPORT)} < ${what}`,
      where: node,
      exitCode: r.exitCode,
      output: lastLines(`${r.stdout}${r.stderr}`),
    });
  }
}

/** The image references a node's containerd holds. */
export async function nodeImageRefs(ctx: LabContext, node: string): Promise<string[]> {
  const r = await exec(ctx, node, ["ctr", "--namespace", "k8s.io", "images", "ls", "--quiet"]);
  return r.exitCode === 0 ? r.stdout.split("\n").filter((l) => l && !l.startsWith("sha256:")) : [];
}
