/**
 * One temporary folder for the whole test run: TMPDIR points into it, so that every folder the
 * tests (and the CLI runs they start) make under os.tmpdir() goes with it when the run ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Vitest global setup: makes the run's folder and returns its removal. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "kubelab-tests-"));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
