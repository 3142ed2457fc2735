/**
 * A fingerprint of how kubelab configures a lab's nodes: every unit, manifest and config file the
 * plan renders, with placeholders for certificates, keys and image names. It changes when a newer
 * kubelab renders a flag, unit or manifest differently, so that `lab up` of a lab brought up by an
 * older kubelab writes the new files instead of only checking the old ones.
 */
import { createHash } from "node:crypto";
import type { Plan } from "../plan/plan.js";
import { nodeFiles } from "../render/node-files.js";
import { PLACEHOLDER_IMAGES, PLACEHOLDER_PKI } from "../render/placeholder-material.js";

/** The SHA-256 of the files every node of `plan` gets (paths, modes and contents), in hex. */
export function renderFingerprint(plan: Plan): string {
  const hash = createHash("sha256");
  for (const node of plan.nodes) {
    for (const file of nodeFiles(plan, node, PLACEHOLDER_PKI, PLACEHOLDER_IMAGES)) {
      hash.update(`${node.name}\0${file.path}\0${file.mode}\0`).update(file.content).update("\0");
    }
  }
  return hash.digest("hex");
}
