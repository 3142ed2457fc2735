/**
 * State is written atomically: a reader racing a writer, or a writer killed with -9 midway, only
 * ever sees a whole version of the file; and a state record that is somehow cut short reads as
 * absent rather than as half a lab.
 */
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../src/atomic-write.js";
import { LabPaths } from "../src/lab-paths.js";
import { readLabState } from "../src/lab-state.js";
import { packagePath } from "../src/package-root.js";
import { scratchDir } from "./scratch-dir.js";

/** A version of a big record: every byte says which version it is. */
const version = (n: number): string => JSON.stringify({ n, pad: String(n % 10).repeat(512 * 1024) });

describe("writeFileAtomic", () => {
  it("never lets a reader see a half-written file", async () => {
    const file = join(await scratchDir("kubelab-atomic-"), "state.json");
    await writeFileAtomic(file, version(0));
    let writing = true;
    const writer = (async () => {
      for (let n = 1; n <= 40; n++) await writeFileAtomic(file, version(n), 0o600);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const parsed = JSON.parse(await readFile(file, "utf8")) as { n: number; pad: string };
      expect(parsed.pad).toBe(String(parsed.n % 10).repeat(512 * 1024));
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(5);
  });

  it("leaves a whole version behind when its writer is killed with -9 midway", async () => {
    const dir = await scratchDir("kubelab-atomic-");
    const file = join(dir, "state.json");
    const script = `const { writeFileAtomic } = await import(${JSON.stringify(packagePath("dist", "atomic-write.js"))});
for (let n = 1; ; n++) await writeFileAtomic(${JSON.stringify(file)}, JSON.stringify({ n, pad: String(n % 10).repeat(512 * 1024) }));`;
    const child = execa("node", ["--input-type=module", "-e", script], { reject: false });
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.kill("SIGKILL");
    await child;
    const parsed = JSON.parse(await readFile(file, "utf8")) as { n: number; pad: string };
    expect(parsed.n).toBeGreaterThan(0);
    expect(parsed.pad).toBe(String(parsed.n % 10).repeat(512 * 1024));
    // At most the one temporary file it was writing when killed is left, hidden beside it.
    expect((await readdir(dir)).filter((f) => f !== "state.json").every((f) => /^\.state\.json\.\d+\.[0-9a-f]+\.tmp$/.test(f))).toBe(true);
  });

  it("reads a state record cut short as no state at all", async () => {
    const home = await scratchDir("kubelab-atomic-");
    const paths = new LabPaths("cut", { KUBELAB_HOME: home });
    await writeFileAtomic(paths.stateFile, JSON.stringify({ lab: "cut", provider: "docker", phase: "up" }));
    expect(await readLabState(paths)).toMatchObject({ lab: "cut" });
    const whole = await readFile(paths.stateFile, "utf8");
    await writeFile(paths.stateFile, whole.slice(0, whole.length / 2));
    expect(await readLabState(paths)).toBeUndefined();
  });
});
