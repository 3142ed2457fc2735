/**
 * The journals a bundle holds: for each node, this boot's journal of each unit the node runs
 * (`journalctl -u UNIT -b --no-pager -o short-precise`), as `journals/NODE/UNIT.log`. A node that
 * is not running, or a provider that cannot be reached, cannot be read: the bundle says so for each
 * of its units instead of the export failing.
 */
import pLimit from "p-limit";
import { errorMessage } from "../errors.js";
import type { ExistingLab } from "../lab/lab-from-state.js";
import { bootUnits } from "../render/boot-units.js";
import type { BundleJournal } from "./bundle-manifest.js";
import type { BundleEntry } from "./bundle-tar.js";

/** The journals read, and a record of every unit's, read or not. */
export interface ExportedJournals {
  entries: BundleEntry[];
  journals: BundleJournal[];
}

/** How many journals are read at once. */
const CONCURRENCY = 8;

/** The command that reads one unit's journal. */
function unitJournalArgv(unit: string): string[] {
  return ["journalctl", "-u", unit, "-b", "--no-pager", "-o", "short-precise"];
}

/** Reads the journal of every unit of every node of `existing`. */
export async function exportJournals(existing: ExistingLab): Promise<ExportedJournals> {
  const { plan, provider } = existing;
  const lab = plan.labName;
  const state = await provider
    .preflight()
    .then(() => provider.list(lab))
    .then(([held]) => new Map((held?.nodes ?? []).map((n) => [n.name, n.state] as const)))
    .catch((error: unknown) => `the ${provider.name} provider could not be reached: ${errorMessage(error)}`);
  const limit = pLimit(CONCURRENCY);
  const entries: BundleEntry[] = [];
  const read = plan.nodes.flatMap((node) =>
    bootUnits(plan, node).map((unit) =>
      limit(async (): Promise<BundleJournal> => {
        if (typeof state === "string") return { node: node.name, unit, notRead: state };
        const nodeState = state.get(node.name) ?? "missing";
        if (nodeState !== "running") return { node: node.name, unit, notRead: `node ${node.name} is ${nodeState}` };
        const r = await provider.exec(lab, node.name, unitJournalArgv(unit)).catch((error: unknown) => ({ exitCode: -1, stdout: "", stderr: errorMessage(error) }));
        if (r.exitCode !== 0) return { node: node.name, unit, notRead: `journalctl exited with ${r.exitCode}: ${r.stderr.trim() || "no output"}` };
        const entry = `journals/${node.name}/${unit}.log`;
        entries.push({ name: entry, content: r.stdout });
        return { node: node.name, unit, entry };
      }),
    ),
  );
  const journals = await Promise.all(read);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  return { entries, journals };
}
