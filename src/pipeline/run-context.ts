/**
 * The context steps run in: the lab, what the user asked for, and the results earlier steps left
 * for later ones.
 */
import type { ArtifactCache } from "../artifacts/artifact-cache.js";
import type { ResolvedArtifacts } from "../artifacts/resolve-artifacts.js";
import type { Lab } from "../config/lab-schema.js";
import type { ComponentImageSet } from "../images/component-images.js";
import type { Pki } from "../pki/pki-store.js";
import type { LabSecrets } from "../secrets/lab-secrets.js";
import type { LabContext } from "./lab-context.js";

/** What `lab up` was asked for. */
export interface UpOptions {
  /** Binaries replaced by local files: name -> path. */
  with: Record<string, string>;
  /** The folder of the lab file (relative paths in it resolve from here). */
  labDir: string;
}

/** What steps hand to later steps. */
export interface StepResults {
  artifacts?: ResolvedArtifacts;
  /** The node image (or box) the nodes run. */
  image?: string;
  pki?: Pki;
  /** The bootstrap token and the encryption key, where the lab's hardening needs them. */
  secrets?: LabSecrets;
  /** The static pods' images (static-pods labs). */
  componentImages?: ComponentImageSet;
}

/** The context of a `lab up` run. */
export interface RunContext extends LabContext {
  readonly lab: Lab;
  readonly cache: ArtifactCache;
  readonly options: UpOptions;
  readonly results: StepResults;
}

/** A result an earlier step must have produced; a missing one is a bug in the pipeline's order. */
export function need<K extends keyof StepResults>(ctx: RunContext, key: K): NonNullable<StepResults[K]> {
  const value = ctx.results[key];
  if (value === undefined) throw new Error(`bug: step needs ${key}, which no earlier step produced`);
  return value as NonNullable<StepResults[K]>;
}
