/**
 * Bundles on disk: what is written reads back byte for byte with its modes (and the real `tar`
 * lists it); a file already at the target is refused and left as it was unless replacing is asked
 * for; a missing folder or a folder as target is refused; no temporary file is ever left beside
 * the target; and a file that is not a gzip'd tar (text, gzip'd text, gzip'd random bytes, a
 * folder, nothing) is refused with a clear error and exit code 2.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import { readBundle, writeBundle, type BundleEntry } from "../../src/bundle/bundle-tar.js";
import { UserError } from "../../src/errors.js";
import { scratchDir } from "../scratch-dir.js";

const ENTRIES: BundleEntry[] = [
  { name: "bundle.json", content: '{"format":"kubelab-bundle"}\n' },
  { name: "nodes/fed-master/etc/systemd/system/etcd.service", content: "[Unit]\nDescription=etcd\n" },
  { name: "nodes/fed-node1/etc/kubelab/network.sh", content: "#!/bin/sh\nip link\n", mode: 0o755 },
  { name: `journals/fed-node1/${"k".repeat(120)}.log`, content: randomBytes(70_000) },
];
const OPTIONS = { replace: false, mtime: new Date("2026-01-02T03:04:05Z") };

let dir: string;
beforeEach(async () => {
  dir = await scratchDir("kubelab-bundle-tar-");
});

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe("writeBundle and readBundle", () => {
  it("write a gzip'd tar that reads back byte for byte, with its modes, and that tar lists", async () => {
    const file = join(dir, "lab.tar.gz");
    const bytes = await writeBundle(file, ENTRIES, OPTIONS);
    expect(bytes).toBeGreaterThan(70_000);
    const read = await readBundle(file);
    expect([...read.keys()]).toEqual(ENTRIES.map((e) => e.name));
    for (const e of ENTRIES) expect(read.get(e.name)!.equals(Buffer.from(e.content))).toBe(true);
    const listed = await execa("tar", ["-tvzf", file]);
    expect(listed.stdout).toMatch(/^-rwxr-xr-x .* nodes\/fed-node1\/etc\/kubelab\/network\.sh$/m);
    expect(listed.stdout).toMatch(/^-rw-r--r-- .* bundle\.json$/m);
    expect(listed.stdout).toContain(`${"k".repeat(120)}.log`);
    expect(await readdir(dir)).toEqual(["lab.tar.gz"]);
  });

  it("refuse a file already at the target and leave it as it was, unless told to replace it", async () => {
    const file = join(dir, "taken.tar.gz");
    await writeFile(file, "mine");
    const error = await failure(writeBundle(file, ENTRIES, OPTIONS));
    expect(error.message).toBe(`failed to write bundle ${file}: the file exists`);
    expect(error.hint).toMatch(/--force/);
    expect(error.exitCode).toBe(2);
    expect(await readFile(file, "utf8")).toBe("mine");
    expect(await readdir(dir)).toEqual(["taken.tar.gz"]);

    await writeBundle(file, ENTRIES, { ...OPTIONS, replace: true });
    expect((await readBundle(file)).size).toBe(ENTRIES.length);
    expect(await readdir(dir)).toEqual(["taken.tar.gz"]);
  });

  it("refuse a target in a missing folder, or a folder, and leave nothing", async () => {
    const missing = await failure(writeBundle(join(dir, "no", "x.tar.gz"), ENTRIES, OPTIONS));
    expect(missing.message).toMatch(/no such folder .*\/no$/);
    expect(missing.exitCode).toBe(2);
    await mkdir(join(dir, "folder.tar.gz"));
    const folder = await failure(writeBundle(join(dir, "folder.tar.gz"), ENTRIES, { ...OPTIONS, replace: true }));
    expect(folder.message).toMatch(/it is a folder$/);
    expect(await readdir(dir)).toEqual(["folder.tar.gz"]);
  });

  it("refuse what is not a gzip'd tar, with exit code 2", async () => {
    const cases: [string, Buffer | string, RegExp][] = [
      ["text.tar.gz", "name: not-a-bundle\n", /it is not a gzip'd tar written by lab export \(incorrect header check\)/],
      ["gzipped-text.tar.gz", gzipSync("hello, world\n"), /it is not a gzip'd tar written by lab export/],
      ["gzipped-noise.tar.gz", gzipSync(randomBytes(4096)), /it is not a gzip'd tar written by lab export/],
    ];
    for (const [name, content, message] of cases) {
      await writeFile(join(dir, name), content);
      const error = await failure(readBundle(join(dir, name)));
      expect(error.message, name).toMatch(message);
      expect(error.hint).toMatch(/lab export/);
      expect(error.exitCode).toBe(2);
    }
    expect((await failure(readBundle(join(dir, "absent.tar.gz")))).message).toBe(`failed to read bundle ${join(dir, "absent.tar.gz")}: no such file`);
    expect((await failure(readBundle(dir))).message).toBe(`failed to read bundle ${dir}: it is not a file`);
  });
});
