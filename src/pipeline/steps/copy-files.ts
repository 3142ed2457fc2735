/**
 * Step: every node's files (certificates, kubeconfigs, configuration, units), rendered from the
 * plan, kept under the lab's state directory for reading, and copied into the node; then every
 * node knows every other by name (/etc/hosts), and its units are enabled: a node that boots again
 * (`lab start`, a restarted Docker engine) starts them by itself. Enabling starts nothing now.
 * When a node's files differ from the ones it was given before (the lab file changed, or a newer
 * kubelab renders them otherwise), what runs on it is restarted so that it reads them.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../atomic-write.js";
import { SANDBOX_IMAGE } from "../../images/image-names.js";
import { bootUnits, restartCommands } from "../../render/boot-units.js";
import { PODS_STOP_UNIT } from "../../render/kubelet.js";
import { nodeFiles } from "../../render/node-files.js";
import { KUBELAB_DIR, PKI_DIR } from "../../render/node-layout.js";
import type { NodeFile } from "../../providers/provider.js";
import { sh } from "../node-commands.js";
import { forEachNode } from "../run-pipeline.js";
import { need } from "../run-context.js";
import type { Plan, PlannedNode } from "../../plan/plan.js";
import { describeNodeFile } from "../../render/describe-node-file.js";
import { PLACEHOLDER_IMAGES, PLACEHOLDER_PKI, placeholderMaterial } from "../../render/placeholder-material.js";
import { shellLine } from "../../errors.js";
import { commandAction, type ExplainedAction } from "../explanation.js";
import type { Step } from "../step.js";

/** Renders and places each node's files. */
export const copyFiles: Step = {
  id: "files",
  title: "Writing certificates, kubeconfigs and units to the nodes",
  explain: (plan) => ({
    what:
      "Each node gets what its roles need: certificates and keys under /etc/kubernetes/pki, a kubeconfig per client, configuration files, " +
      "systemd units (and, with a static-pods control plane, the pod manifests). Then systemd reloads, /etc/hosts names every node, and the units are " +
      "enabled so that a node that boots again starts them by itself. When the files differ from what the node had, what runs there is restarted.",
    actions: plan.nodes.flatMap((node) => [
      ...nodeFiles(plan, node, PLACEHOLDER_PKI, PLACEHOLDER_IMAGES).map((file) => ({
        node: node.name,
        note: `write ${file.path} (${file.mode.toString(8).padStart(4, "0")}): ${describeNodeFile(plan, file).join("; ")}`,
      })),
      commandAction(node.name, ["sh", "-ec", settleScript(plan, node, [])], "protect the PKI folder, reload systemd, name the lab's nodes, enable the units"),
    ]),
    proof: plan.nodes.flatMap((node) => filesProof(plan, node)),
  }),
  async run(ctx) {
    const pki = need(ctx, "pki");
    const material = { get: (name: string) => pki.get(name), serviceAccount: pki.serviceAccount, secrets: ctx.results.secrets };
    await forEachNode(ctx, "files", ctx.plan.nodes, async (node) => {
      const files = nodeFiles(ctx.plan, node, material, { sandbox: SANDBOX_IMAGE, components: ctx.results.componentImages?.refs });
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
        settleScript(ctx.plan, node, restart),
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

/** What runs on a node once its files are in: systemd reloaded, nodes named, the pods' stop unit started, units enabled, then `restart`. */
function settleScript(plan: Plan, node: PlannedNode, restart: readonly string[]): string {
  const start = ["kubelab-hosts", ...(node.kubelet ? [PODS_STOP_UNIT] : [])];
  return [`chmod 0700 ${PKI_DIR}`, "systemctl daemon-reload", `systemctl start ${start.join(" ")}`, `systemctl enable --quiet ${bootUnits(plan, node).join(" ")}`, ...restart].join("; ");
}

/**
 * The proof that a node has its files: every one there with its mode, and the content of those that
 * embed no certificate, key or image name (rendered twice with different stand-ins, they come out
 * the same) as kubelab renders it.
 */
function filesProof(plan: Plan, node: PlannedNode): ExplainedAction[] {
  const a = placeholderMaterial("a:");
  const b = placeholderMaterial("b:");
  const first = nodeFiles(plan, node, a.pki, a.images);
  const second = nodeFiles(plan, node, b.pki, b.images);
  const fixed = first.filter((f, i) => Buffer.from(f.content).equals(Buffer.from(second[i]!.content)));
  const sums = fixed.map((f) => `${createHash("sha256").update(f.content).digest("hex")}  ${f.path}`).join("\n");
  const modes = first.map((f) => shellLine([`${f.mode.toString(8)} ${f.path}`])).join(" ");
  return [
    commandAction(
      node.name,
      [
        "sh",
        "-ec",
        `r=0; for x in ${modes}; do f=\${x#* }; m=$(stat -c %a "$f" 2>/dev/null) || { echo "missing: $f"; r=1; continue; }; [ "$m" = "\${x%% *}" ] || { echo "mode $m, not \${x%% *}: $f"; r=1; }; done; exit $r`,
      ],
      `every file of ${node.name} is there, with its mode`,
    ),
    commandAction(node.name, ["sh", "-ec", `printf '%s\\n' ${shellLine([sums])} | sha256sum --quiet -c -`], `the files of ${node.name} that embed no key or certificate are as kubelab renders them`),
  ];
}
