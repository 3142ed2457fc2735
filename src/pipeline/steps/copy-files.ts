/**
 * Step: every node's files (certificates, kubeconfigs, configuration, units), rendered from the
 * plan, kept under the lab's state directory for reading, and copied into the node; then every
 * node knows every other by name (/etc/hosts), and its units are enabled: a node that boots again
 * (`lab start`, a restarted Docker engine) starts them by itself. Enabling starts nothing now.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../atomic-write.js";
import { SANDBOX_IMAGE } from "../../images/image-names.js";
import { bootUnits } from "../../render/boot-units.js";
import { nodeFiles } from "../../render/node-files.js";
import { PKI_DIR } from "../../render/node-layout.js";
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
      await Promise.all(files.map((f) => writeFileAtomic(join(ctx.paths.nodeDir(node.name), f.path), f.content, f.mode)));
      await ctx.provider.copyFiles(ctx.plan.labName, node.name, files);
      await sh(
        ctx,
        node.name,
        `chmod 0700 ${PKI_DIR}; systemctl daemon-reload; systemctl start kubelab-hosts; systemctl enable --quiet ${bootUnits(ctx.plan, node).join(" ")}`,
        "reload systemd, name the lab's nodes and enable its units",
      );
    });
  },
};
