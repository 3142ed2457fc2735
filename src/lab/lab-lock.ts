/**
 * One lock per lab, held while a command changes it (up, start, stop, down): a second such
 * command on the same lab fails at once, naming the first. A lock left by a process that no
 * longer runs is taken over (see {@link lockFile}).
 */
import { mkdir, rmdir } from "node:fs/promises";
import { hostname } from "node:os";
import { UserError } from "../errors.js";
import { lockFile, type FileLock } from "../file-lock.js";
import type { LabPaths } from "../lab-paths.js";

/** Takes the lab's lock for `command` ("up", "down", ...), or fails with a UserError naming the command that holds it. */
export async function lockLab(paths: LabPaths, command: string): Promise<FileLock> {
  // The state directory is private (0700), whoever makes it first.
  const made = await mkdir(paths.root, { recursive: true, mode: 0o700 });
  const lock = await lockFile(paths.lockFile, command, async (holder) => {
    throw new UserError(
      `failed to ${command} lab ${paths.lab}: \`lab ${holder.command}\` is changing it (pid ${holder.pid}${holder.host === hostname() ? "" : ` on ${holder.host}`}, since ${holder.since})`,
      { hint: `wait for it to end, or interrupt it (Ctrl-C) and run this again; a lock left by a process that died is taken over by itself (${paths.lockFile})` },
    );
  });
  return {
    async release() {
      await lock.release();
      // A state directory made only to hold the lock (a command that made nothing) is not left behind.
      if (made) await rmdir(paths.root).catch(() => undefined);
    },
  };
}
