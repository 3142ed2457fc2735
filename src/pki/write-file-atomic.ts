/**
 * Atomic file writes for the PKI: the content goes to a temporary file in the same directory, is
 * flushed, given its mode and renamed over the target, so a reader (or a crash) never sees half a
 * key or a key with the wrong mode.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Writes `data` to `path` atomically with exactly `mode` (whatever the umask). */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const file = await open(temp, "wx", mode);
    try {
      await file.chmod(mode);
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
