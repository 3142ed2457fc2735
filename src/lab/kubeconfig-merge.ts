/**
 * A lab's admin credentials in the user's own kubeconfig, as cluster, user and context named
 * `lab-NAME`, and out of it again. Pure text in, text out: the file is edited as a YAML document,
 * so every other entry, comment and the file's layout stay as they were.
 *
 * The current context is only set when the file has none (a new or empty file): merging a lab
 * never moves kubectl away from the cluster it was pointed at. Removing the lab's entries clears
 * the current context when it was the lab's.
 */
import { Document, isMap, isSeq, parse, parseDocument, type YAMLSeq } from "yaml";
import { UserError } from "../errors.js";

/** The three lists a kubeconfig names its entries in. */
const SECTIONS = ["clusters", "users", "contexts"] as const;

/** The name of a lab's cluster, user and context in the user's kubeconfig. */
export function labEntryName(lab: string): string {
  return `lab-${lab}`;
}

/** The result of {@link mergeLabEntries}. */
export interface MergedKubeconfig {
  text: string;
  /** True when the lab's context became the current one (the file had none). */
  currentContextSet: boolean;
  /** True when entries of that name were there before and were replaced. */
  replaced: boolean;
}

/** The result of {@link removeLabEntries}. */
export interface UnmergedKubeconfig {
  text: string;
  /** How many entries (clusters, users, contexts) were removed. */
  removed: number;
  /** True when the current context was the lab's and was cleared. */
  currentContextCleared: boolean;
}

/** The cluster and user parts of a lab's own admin kubeconfig (certificates embedded). */
interface LabCredentials {
  cluster: Record<string, unknown>;
  user: Record<string, unknown>;
}

/**
 * Adds the lab's cluster, user and context named `name` to `userText` (the user's kubeconfig, or
 * undefined when there is none), replacing entries of that name. `labText` is the lab's admin
 * kubeconfig, whose certificates are embedded: the merged entries work from any folder.
 */
export function mergeLabEntries(userText: string | undefined, labText: string, name: string, file: string): MergedKubeconfig {
  const credentials = labCredentials(labText);
  const doc = userDocument(userText ?? "", file);
  const removed = removeEntries(doc, name);
  const entries = {
    clusters: { name, cluster: credentials.cluster },
    users: { name, user: credentials.user },
    contexts: { name, context: { cluster: name, user: name } },
  };
  for (const section of SECTIONS) sectionOf(doc, section).add(doc.createNode(entries[section]));
  const current = doc.get("current-context");
  const currentContextSet = current === undefined || current === null || current === "";
  if (currentContextSet) doc.set("current-context", name);
  return { text: print(doc, userText ?? ""), currentContextSet, replaced: removed > 0 };
}

/** Removes the cluster, user and context named `name` from `userText`; every other entry stays. */
export function removeLabEntries(userText: string, name: string, file: string): UnmergedKubeconfig {
  const doc = userDocument(userText, file);
  const removed = removeEntries(doc, name);
  const currentContextCleared = doc.get("current-context") === name;
  if (currentContextCleared) doc.delete("current-context");
  return { text: print(doc, userText), removed, currentContextCleared };
}

/**
 * The document as text, its lists laid out as the file had them: kubectl writes `- name:` level
 * with the key above it, many hand-written files indent it. A new file gets kubectl's layout.
 */
function print(doc: Document, original: string): string {
  const indented = /^(clusters|users|contexts):[ \t]*\n[ \t]+- /m.test(original);
  return doc.toString({ lineWidth: 0, indentSeq: indented });
}

/** The user's kubeconfig as a document; an empty one becomes an empty Config. */
function userDocument(text: string, file: string): Document {
  const doc = parseDocument(text);
  const problem = doc.errors[0]?.message ?? (doc.contents !== null && !isMap(doc.contents) ? "it is not a YAML mapping" : undefined);
  if (problem !== undefined) {
    throw new UserError(`failed to read the kubeconfig ${file}: ${problem.split("\n")[0]}`, {
      hint: "fix or move the file (kubectl cannot read it either), or point KUBECONFIG at another file",
      exitCode: 2,
    });
  }
  if (doc.contents === null) return new Document({ apiVersion: "v1", kind: "Config", preferences: {}, clusters: [], users: [], contexts: [] });
  return doc;
}

/** A section's list, made when the file has none (or `null`, as kubectl writes an empty one). */
function sectionOf(doc: Document, section: (typeof SECTIONS)[number]): YAMLSeq {
  const found = doc.get(section, true);
  if (isSeq(found)) return found;
  const seq = doc.createNode([]) as YAMLSeq;
  doc.set(section, seq);
  return seq;
}

/** Removes the entries named `name` from every section; returns how many there were. */
function removeEntries(doc: Document, name: string): number {
  let removed = 0;
  for (const section of SECTIONS) {
    const seq = doc.get(section, true);
    if (!isSeq(seq)) continue;
    const kept = seq.items.filter((item) => !(isMap(item) && item.get("name") === name));
    removed += seq.items.length - kept.length;
    seq.items = kept;
  }
  return removed;
}

/** The lab's cluster and user, with their certificates embedded. */
function labCredentials(labText: string): LabCredentials {
  const config = parse(labText) as {
    clusters?: Array<{ cluster?: Record<string, unknown> }>;
    users?: Array<{ user?: Record<string, unknown> }>;
  } | null;
  const cluster = config?.clusters?.[0]?.cluster;
  const user = config?.users?.[0]?.user;
  if (!cluster?.["certificate-authority-data"] || !user?.["client-certificate-data"] || !user["client-key-data"]) {
    throw new Error("bug: the lab's admin kubeconfig does not embed its CA, certificate and key");
  }
  return { cluster, user };
}
