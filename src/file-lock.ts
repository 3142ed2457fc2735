/**
 * An exclusive lock on a file path between kubelab processes on this host: the file is created
 * exclusively (O_EXCL) and holds its owner's process ID. A lock whose owner is gone (killed with
 * -9, a crashed machine) is taken over at once: a rerun after `kill -9` must not wait out a
 * timeout. (Libraries such as proper-lockfile judge staleness by age instead, which makes that
 * rerun wait or fail.)
 */
import { unlinkSync } from "node:fs";
import { mkdir, open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** What the holder is doing, e.g. "up". */
  command: string;
  since: string;
}

/** A held lock. */
export interface FileLock {
  /** Gives the lock up (also done when the process exits). Safe to call twice. */
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(file, "utf8")) as Partial<LockHolder>;
    return typeof holder.pid === "number" ? (holder as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock at `file` for `command`. When a live process holds it, `onHeld` decides: throw
 * (fail at once) or resolve to wait `retryMs` and try again.
 */
export async function lockFile(file: string, command: string, onHeld: (holder: LockHolder) => Promise<number>): Promise<FileLock> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const me: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let unreadable = 0; ; ) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = await readHolder(file);
      if (!holder && ++unreadable < 50) {
        // Being written by its holder right now: look again in a moment.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      if (holder && (holder.host !== me.host || alive(holder.pid))) {
        const retryMs = await onHeld(holder);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        continue;
      }
      // Its holder is gone: take it over.
      await unlink(file).catch(() => undefined);
    }
  }
  const onExit = (): void => {
    try {
      unlinkSync(file);
    } catch {
      // Already gone (its folder was removed).
    }
  };
  process.once("exit", onExit);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      process.off("exit", onExit);
      if ((await readHolder(file))?.pid === process.pid) await unlink(file).catch(() => undefined);
    },
  };
}
