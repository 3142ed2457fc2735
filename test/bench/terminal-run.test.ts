/**
 * Running a command in a real terminal (a tmux pane), as the bench's --ui scenario and the
 * terminal end-to-end test do: the command's stdout is a TTY (or the file it is sent to), its exit
 * code, wall time and CPU time are measured in the pane, and its screen is read back with and
 * without its colours.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { runInTerminal } from "../../src/bench/terminal-run.js";

const tmux = await execa("tmux", ["-V"], { reject: false });
if (tmux.exitCode !== 0) console.warn("\n  SKIPPED terminal-run tests: tmux is not installed. These tests did NOT run.\n");

describe.skipIf(tmux.exitCode !== 0)("runInTerminal", () => {
  it("runs a command with a terminal as stdout, and reads its screen back", async () => {
    const script = "test -t 1 && echo stdout is a terminal; printf '\\033[32mgreen\\033[0m plain\\n'; exit 3";
    const run = await runInTerminal(["bash", "-c", script], { env: process.env, columns: 80, rows: 10 });
    expect(run.exitCode).toBe(3);
    expect(run.text).toMatch(/^stdout is a terminal\ngreen plain\n/);
    expect(run.styledText).toContain("\u001B[32mgreen\u001B[39m plain");
  });

  it("measures the command's wall time and the CPU time it and its children use", async () => {
    const busy = "let x = 0; const end = Date.now() + 600; while (Date.now() < end) x++;";
    const run = await runInTerminal(["bash", "-c", `sleep 0.5; node -e '${busy}'`], { env: process.env });
    expect(run.exitCode).toBe(0);
    expect(run.wallMs).toBeGreaterThanOrEqual(1100);
    expect(run.wallMs).toBeLessThan(5000);
    expect(run.cpuMs).toBeGreaterThanOrEqual(500);
    expect(run.cpuMs).toBeLessThan(run.wallMs);
  });

  it("sends stdout to a file when asked: then it is not a terminal", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubelab-terminal-test-"));
    try {
      const out = join(dir, "out");
      const run = await runInTerminal(["bash", "-c", "test -t 1 && echo terminal || echo not a terminal"], { env: process.env, stdoutFile: out });
      expect(run.exitCode).toBe(0);
      expect(await readFile(out, "utf8")).toBe("not a terminal\n");
      expect(run.text.trim()).toBe("");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves no tmux server or socket behind", async () => {
    await runInTerminal(["true"], { env: process.env });
    const servers = await execa("ps", ["-eo", "args"]);
    expect(servers.stdout.split("\n").filter((line) => line.startsWith("tmux") && line.includes("kubelab-terminal-"))).toEqual([]);
    const folders = await execa("sh", ["-c", `ls -d ${tmpdir()}/kubelab-terminal-* 2>/dev/null || true`]);
    expect(folders.stdout.trim()).toBe("");
  });
});
