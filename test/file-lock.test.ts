/**
 * The lock between kubelab processes, with real processes: a live holder makes the second taker
 * wait or fail; a holder killed with -9 leaves a lock that is taken over at once; a release frees it.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { lockFile } from "../src/file-lock.js";
import { packagePath } from "../src/package-root.js";
import { scratchDir } from "./scratch-dir.js";

/**
 * A separate Node process that takes the lock and holds it until killed (wrapped: a returned
 * subprocess, being awaitable, would be waited for until it ends).
 */
async function holder(file: string): Promise<{ child: ReturnType<typeof execa> }> {
  const script = `const { lockFile } = await import(${JSON.stringify(packagePath("dist", "file-lock.js"))});
await lockFile(${JSON.stringify(file)}, "up", async () => { throw new Error("held"); });
console.log("locked");
setInterval(() => {}, 1000);`;
  const child = execa("node", ["--input-type=module", "-e", script], { reject: false, buffer: false });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
    void child.then((r) => reject(new Error(`holder ended: ${String(r.stderr)}`)));
  });
  return { child };
}

const children: ReturnType<typeof execa>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

describe("lockFile", () => {
  it("refuses while a live process holds it, naming that process", async () => {
    const file = join(await scratchDir("kubelab-lock-"), "lock");
    const { child } = await holder(file);
    children.push(child);
    const seen: number[] = [];
    await expect(
      lockFile(file, "down", async (h) => {
        seen.push(h.pid);
        throw new Error(`held by ${h.command}`);
      }),
    ).rejects.toThrow("held by up");
    expect(seen).toEqual([child.pid]);
  });

  it("takes over at once a lock whose holder was killed with -9", async () => {
    const file = join(await scratchDir("kubelab-lock-"), "lock");
    const { child } = await holder(file);
    child.kill("SIGKILL");
    await child;
    const started = Date.now();
    const lock = await lockFile(file, "up", async () => {
      throw new Error("should not be held");
    });
    expect(Date.now() - started).toBeLessThan(500);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ pid: process.pid, command: "up" });
    await lock.release();
    await expect(stat(file)).rejects.toThrow();
  });

  it("waits for the holder when asked to, and gets the lock once it is released", async () => {
    const file = join(await scratchDir("kubelab-lock-"), "lock");
    const first = await lockFile(file, "up", async () => 0);
    let waited = 0;
    setTimeout(() => void first.release(), 200);
    const second = await lockFile(file, "up", async () => {
      waited++;
      return 20;
    });
    expect(waited).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ pid: process.pid });
    await second.release();
  });
});
