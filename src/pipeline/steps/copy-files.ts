/**
 * Step: every node's files (certificates, kubeconfigs, configuration, units), rendered from the
 * plan, kept under the lab's state directory for reading, and copied into the node; then every
 * node knows every other by name (/etc/hosts), and its units are enabled: a node that boots again
 * (`lab start`, a restarted Docker engine) starts them by itself. Enabling starts nothing now.
 * When a node's files differ from the ones it was given before (the lab file changed, or a newer
 * kubelab renders them otherwise), what runs on it is restarted so that it reads them.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../atomic-write.js";
import { SANDBOX_IMAGE } from "../../images/image-names.js";
import { bootUnits, restartCommands } from "../../render/boot-units.js";
import { nodeFiles } from "../../render/node-files.js";
import { KUBELAB_DIR, PKI_DIR } from "../../render/node-layout.js";
import type { NodeFile } from "../../providers/provider.js";
import { sh } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import { need } from "../run-context.js";
import type { Step } from "../step.js";

/** Renders and places each node's files. */
export const copyFiles: Step = {
  id: "files",
  title: "Writing certificates, kubeconfigs and units to the nodes",
  async run(ctx) {
    const pki = need(ctx, "pki");
    await forEachNode(ctx, "files", ctx.plan.nodes, async (node) => {
      const files = nodeFiles(ctx.plan, node, pki, { sandbox: SANDBOX_IMAGE, components: ctx.results.componentImages?.refs });
      const dir = ctx.paths.nodeDir(node.name);
      const changed = await changedFiles(dir, files);
      await Promise.all(files.map((f) => writeFileAtomic(join(dir, f.path), f.content, f.mode)));
      await ctx.provider.copyFiles(ctx.plan.labName, node.name, files);
      // The node names of /etc/hosts are applied by kubelab-hosts itself; anything else is read by
      // the components at start.
      const restart = changed.some((path) => !path.startsWith(`${KUBELAB_DIR}/hosts`)) ? restartCommands(ctx.plan, node) : [];
      await sh(
        ctx,
        node.name,
        [`chmod 0700 ${PKI_DIR}`, "systemctl daemon-reload", "systemctl start kubelab-hosts", `systemctl enable --quiet ${bootUnits(ctx.plan, node).join(" ")}`, ...restart].join("; "),
        restart.length ? "reload systemd, name the lab's nodes, enable its units and restart what runs with changed files" : "reload systemd, name the lab's nodes and enable its units",
      );
    });
  },
};

/** The paths of `files` whose content differs from the copy kept in `dir` by an earlier run (all, the first time). */
async function changedFiles(dir: string, files: readonly NodeFile[]): Promise<string[]> {
  const kept = await Promise.all(files.map((f) => readFile(join(dir, f.path)).catch(() => undefined)));
  return files.filter((f, i) => !kept[i]?.equals(Buffer.from(f.content))).map((f) => f.path);
}
