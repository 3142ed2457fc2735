/**
 * `lab import`: a lab brought up again from a reproduction bundle, the same topology, versions and
 * settings, with fresh keys (a new state directory makes a new PKI). The bundle is checked whole
 * before anything is made: a file that is not a kubelab bundle, a lab file that does not load, a
 * lab of that name that exists, custom binaries not given again (or with other content) are each
 * refused, and nothing is left behind. The lab file goes into the new lab's own state directory
 * (`lab down` removes it), and the run is `lab up`'s.
 */
import { mkdir, rm } from "node:fs/promises";
import { ArtifactCache } from "../artifacts/artifact-cache.js";
import { writeFileAtomic } from "../atomic-write.js";
import { UserError } from "../errors.js";
import { LabPaths, labsDir } from "../lab-paths.js";
import { readLabState } from "../lab-state.js";
import { labUp, type LabUpResult } from "../lab/lab-up.js";
import { kubelabVersion } from "../package-root.js";
import type { EventSink, LabEvent } from "../pipeline/events.js";
import { cacheMismatches, importedCustomBinaries } from "./bundle-binaries.js";
import { LAB_FILE_ENTRY, MANIFEST_ENTRY, parseBundleManifest } from "./bundle-manifest.js";
import { readBundle } from "./bundle-tar.js";
import { importedLabFile } from "./imported-lab-file.js";

/** What `lab import` was asked for. */
export interface LabImportInput {
  /** The bundle. */
  file: string;
  /** The new lab's name (`--name`); the bundle's lab's own when left out. */
  name?: string;
  /** The bundle's custom binaries, given again: name -> path. */
  with?: Record<string, string>;
  emit: EventSink;
  signal?: AbortSignal;
}

/** A log line for the run. */
type Note = Extract<LabEvent, { type: "log" }>;

/** Brings the lab of a bundle up under a new state directory; resolves as `lab up` does. */
export async function labImport(input: LabImportInput): Promise<LabUpResult> {
  const { file } = input;
  const notBundle = (reason: string): UserError =>
    new UserError(`failed to read bundle ${file}: ${reason}`, { hint: "give a file written by lab export", exitCode: 2 });
  const entries = await readBundle(file);
  const manifestText = entries.get(MANIFEST_ENTRY);
  if (!manifestText) throw notBundle(`it is not a kubelab bundle (it has no ${MANIFEST_ENTRY})`);
  const manifest = parseBundleManifest(manifestText.toString("utf8"), file);
  const labText = entries.get(LAB_FILE_ENTRY);
  if (!labText) throw notBundle(`it has no ${LAB_FILE_ENTRY}`);
  const name = input.name ?? manifest.lab;
  const lab = importedLabFile(labText.toString("utf8"), name, `${file}:${LAB_FILE_ENTRY}`);
  if (lab.from !== manifest.lab) throw notBundle(`its ${LAB_FILE_ENTRY} is of lab ${lab.from}, its ${MANIFEST_ENTRY} of lab ${manifest.lab}`);
  const withBinaries = await importedCustomBinaries(manifest.custom, input.with ?? {});

  const notes: Note[] = [
    { type: "log", level: "info", message: `importing lab ${manifest.lab} from ${file} (exported ${manifest.exportedAt} by kubelab ${manifest.kubelabVersion})` },
    ...lab.notes.map((message): Note => ({ type: "log", level: "info", message })),
  ];
  const version = await kubelabVersion();
  if (version !== manifest.kubelabVersion) {
    notes.push({ type: "log", level: "warn", message: `the bundle was made by kubelab ${manifest.kubelabVersion}, this is ${version}: units and configs may be rendered otherwise` });
  }
  for (const message of await cacheMismatches(manifest.binaries, new ArtifactCache())) notes.push({ type: "log", level: "warn", message });

  const paths = new LabPaths(name);
  await mkdir(labsDir(), { recursive: true, mode: 0o700 });
  await mkdir(paths.root, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
    throw new UserError(`failed to import lab ${name}: a lab of that name exists`, {
      hint: `import it under another name: lab import ${file} --name ${name}-copy (or remove the other: lab down ${name})`,
      exitCode: 2,
    });
  });
  try {
    await writeFileAtomic(paths.labFile, lab.text);
    return await labUp({ lab: paths.labFile, with: withBinaries, emit: afterRunStart(input.emit, notes), ...(input.signal ? { signal: input.signal } : {}) });
  } catch (error) {
    // Failed before the run recorded anything (no provider, a clash of networks): leave no trace.
    if (!(await readLabState(paths))) await rm(paths.root, { recursive: true, force: true });
    throw error;
  }
}

/** `emit`, with `notes` sent right after the run's first event (they belong to the run). */
function afterRunStart(emit: EventSink, notes: readonly Note[]): EventSink {
  let pending = [...notes];
  return (event) => {
    emit(event);
    if (event.type === "run-start") {
      for (const note of pending) emit(note);
      pending = [];
    }
  };
}
