/**
 * Writes that never leave a half-written file: the content goes to a hidden temporary file beside
 * the target, gets exactly its mode (whatever the umask), and is renamed over the target (atomic
 * on one filesystem). A reader, or a process killed midway, sees the old file or the new one.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Writes `content` to `path` atomically with exactly `mode`; creates missing folders (0700). */
export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temp, content, { mode, flag: "wx" });
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
