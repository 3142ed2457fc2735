/**
 * Writes that never leave a half-written file: write a temporary file beside the target, then
 * rename it over the target (atomic on one filesystem).
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Writes `content` to `path` atomically, with `mode`; creates the folder (0700) if needed. */
export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(temp, content, { mode });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
