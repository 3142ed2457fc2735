/**
 * The lab file `lab import` brings up: the bundle's (defaults applied, groups expanded, as the
 * exported lab ran), under its new name, without what belonged to the exporting host: the node
 * subnet it was given (the original lab may still run on this host: a free one is picked, and so
 * are the node addresses in it) and its `artifacts.dir` (a folder of that host: the binaries come
 * from this host's cache or a download, of the same versions). Pure: text in, text and notes out.
 */
import { parse, stringify } from "yaml";
import { parseLab } from "../config/load-lab.js";

/** The lab file to bring up, and what was changed from the bundle's, one sentence each. */
export interface ImportedLabFile {
  /** The name of the lab the bundle's file describes. */
  from: string;
  text: string;
  notes: string[];
}

/**
 * The bundle's lab file `text`, renamed to `name`, its host-bound settings dropped.
 * @throws LabFileError (exit code 2) when the bundle's file, or the renamed one, is not a valid lab
 * file; `where` names it in problems.
 */
export function importedLabFile(text: string, name: string, where: string): ImportedLabFile {
  const original = parseLab(text, where).lab;
  const lab = parse(text) as Record<string, unknown> & {
    network?: Record<string, unknown>;
    artifacts?: Record<string, unknown>;
    nodes?: Record<string, unknown>[];
  };
  const notes: string[] = [];
  if (name !== original.name) {
    lab.name = name;
    notes.push(`lab ${original.name} is imported as ${name}`);
  }
  if (lab.network?.nodeSubnet !== undefined) {
    delete lab.network.nodeSubnet;
    notes.push(`the bundle's node subnet ${original.network.nodeSubnet} is not reused (the original lab may still run on this host): a free one is picked`);
  }
  const pinned = (lab.nodes ?? []).filter((n) => n.ip !== undefined);
  if (pinned.length) {
    notes.push(`the nodes' fixed addresses (${pinned.map((n) => `${String(n.name)} ${String(n.ip)}`).join(", ")}) belonged to that subnet: addresses are assigned in order in the new one`);
    for (const n of pinned) delete n.ip;
  }
  if (lab.artifacts?.dir !== undefined) {
    notes.push(
      `artifacts.dir ${String(lab.artifacts.dir)} is a folder of the exporting host and is not used: the same versions come from this host's cache or a download (lab artifacts import DIR puts a folder into the cache)`,
    );
    delete lab.artifacts.dir;
  }
  const result = stringify(lab);
  parseLab(result, `${where} (as imported)`);
  return { from: original.name, text: result, notes };
}
