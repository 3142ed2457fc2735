/**
 * Host tools as an image build runs them: a missing one is named with its package before any
 * work starts, a failing one shows its command and output, and a stream can feed one.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { CommandError, UserError } from "../../src/errors.js";
import { requireHostTools, runHostTool, TAR } from "../../src/images/host-tools.js";

describe("requireHostTools", () => {
  it("passes when every tool is on PATH", async () => {
    await expect(requireHostTools([TAR], "pack")).resolves.toBeUndefined();
  });

  it("names every missing tool and the packages to install, at once", async () => {
    const missing = [
      { command: "kubelab-no-such-tool", debianPackage: "kubelab-pkg-a" },
      { command: "kubelab-no-such-tool-2", debianPackage: "kubelab-pkg-b" },
    ];
    const error = await requireHostTools([TAR, ...missing], "build the box").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe("failed to build the box: kubelab-no-such-tool, kubelab-no-such-tool-2 are not installed");
    expect((error as UserError).hint).toContain("sudo apt-get install kubelab-pkg-a kubelab-pkg-b");
  });
});

describe("runHostTool", () => {
  it("feeds a stream to the tool and streams its lines", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubelab-host-tools-"));
    try {
      const archive = pack();
      archive.entry({ name: "hello.txt" }, "hello\n");
      archive.finalize();
      const lines: string[] = [];
      await runHostTool(TAR, ["-xv", "-C", dir], { what: "unpack", stdin: Readable.from(archive), onLine: (l) => lines.push(l) });
      expect(await readFile(join(dir, "hello.txt"), "utf8")).toBe("hello\n");
      expect(lines).toEqual(["hello.txt"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("turns a failure into a CommandError with the command and its output", async () => {
    const error = await runHostTool(TAR, ["-tf", "/kubelab/no/such.tar"], { what: "list the archive" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = error as CommandError;
    expect(failure.message).toBe("failed to list the archive (exit code 2)");
    expect(failure.command).toBe("tar -tf /kubelab/no/such.tar");
    expect(failure.where).toBe("host");
    expect(failure.output).toContain("/kubelab/no/such.tar: Cannot open: No such file or directory");
  });

  it("says which package brings a tool that is not installed", async () => {
    const error = await runHostTool({ command: "kubelab-no-such-tool", debianPackage: "kubelab-pkg" }, [], { what: "run it" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe("failed to run it: kubelab-no-such-tool is not installed");
    expect((error as UserError).hint).toContain("sudo apt-get install kubelab-pkg");
  });
});
