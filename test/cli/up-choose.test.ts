/**
 * `lab up` without a lab, through the built CLI: on a real terminal (a pseudo-terminal made by
 * `script`) it lists the lab files of ./labs and kubelab's, and the lab chosen with the arrow keys
 * and Enter is the one brought up; Esc leaves (exit code 130). Without a terminal (stdin or stdout
 * not one, CI set, --json) it fails with the usage and the lab files (exit code 2). `lab up PATH`
 * still takes a path.
 *
 * The labs in ./labs here are invalid on purpose: bringing one up stops at reading its file, which
 * names the file that was chosen, and nothing is made.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packagePath } from "../../src/package-root.js";
import { labFiles } from "../../src/lab/lab-files.js";
import { E2E_REQUIRED } from "../e2e/support.js";
import { onTerminal, terminalBlocker } from "./terminal.js";

const blocker = await terminalBlocker();
if (blocker && E2E_REQUIRED) throw new Error(`KUBELAB_E2E=required but the terminal tests cannot run: ${blocker}`);
if (blocker) console.warn(`\n  SKIPPED the terminal tests of lab up: ${blocker}. They did NOT run.\n`);

const DOWN = "\u001B[B";
const ESC = "\u001B";

let dir: string;
/** Plain output, no CI, a state home of its own. */
let env: NodeJS.ProcessEnv;
let shipped: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubelab-up-choose-"));
  await mkdir(join(dir, "labs"));
  for (const name of ["aaa-first", "aab-second"]) {
    await writeFile(join(dir, "labs", `${name}.yaml`), `name: ${name}\ndescription: the ${name} lab\nkubernetesVersion: v1.20.2\nnodes: []\n`);
  }
  const { CI: _ci, CONTINUOUS_INTEGRATION: _ci2, ...rest } = process.env;
  env = { ...rest, KUBELAB_HOME: join(dir, "home"), NO_COLOR: "1", TERM: "xterm" };
  shipped = (await labFiles(packagePath())).map((f) => f.name);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The built CLI with stdin and stdout pipes (no terminal). */
function piped(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return execa(process.execPath, [packagePath("dist", "cli", "main.js"), ...args], { cwd: dir, env: { ...env, ...extraEnv }, extendEnv: false, reject: false, timeout: 60_000 });
}

describe("lab up without a lab, without a terminal", () => {
  it("fails with the usage and the lab files, exit code 2", async () => {
    const r = await piped(["up"]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        "error: failed to bring a lab up: no lab was named and there is no terminal to choose one on",
        "  hint: usage: lab up LAB, where LAB is a lab name or a path to a lab file",
        `  lab files: ${["aaa-first", "aab-second", ...shipped].sort().join(", ")}`,
      ].join("\n"),
    );
    expect(shipped).toEqual(expect.arrayContaining(["coreos-single", "fedora-multi", "ha-etcd"]));
  });

  it("with --json, as a JSON error", async () => {
    const r = await piped(["up", "--json"]);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: "error", exitCode: 2, error: { message: expect.stringContaining("no lab was named") } });
  });
});

describe.skipIf(blocker !== undefined)("lab up without a lab, on a terminal", () => {
  it("lists the lab files; the one chosen with the arrow keys and Enter is brought up", async () => {
    const run = onTerminal(["up"], { cwd: dir, env });
    await run.waitFor(/Which lab\?/);
    await run.waitFor(/ha-etcd/);
    const list = run.output();
    expect(list).toMatch(/❯ aaa-first\s+the aaa-first lab/);
    for (const name of ["aab-second", ...shipped]) expect(list).toContain(name);
    run.type(DOWN);
    await run.waitFor(/❯ aab-second/);
    run.type("\r");
    const { exitCode, output } = await run.ended();
    expect(output).toContain("✓ lab: aab-second");
    // The chosen file, and no other, is what lab up read.
    expect(output).toContain("error: failed to load lab file labs/aab-second.yaml");
    expect(output).not.toContain("aaa-first.yaml");
    expect(exitCode).toBe(2);
  });

  it("Esc leaves without bringing anything up (exit code 130)", async () => {
    const run = onTerminal(["up"], { cwd: dir, env });
    await run.waitFor(/ha-etcd/);
    run.type(ESC);
    const { exitCode, output } = await run.ended();
    expect(output).toContain("no lab chosen: nothing brought up");
    expect(output).not.toContain("failed to load");
    expect(exitCode).toBe(130);
  });

  it.each([
    ["stdout is not a terminal", { suffix: " > /dev/null" }, {}],
    ["CI is set", {}, { CI: "1" }],
  ])("is a usage error when %s", async (_why, options, extraEnv) => {
    const run = onTerminal(["up"], { cwd: dir, env: { ...env, ...extraEnv }, ...options });
    const { exitCode, output } = await run.ended();
    expect(output).toContain("failed to bring a lab up: no lab was named and there is no terminal to choose one on");
    expect(output).not.toContain("Which lab?");
    expect(exitCode).toBe(2);
  });
});

describe("lab up PATH", () => {
  it("still reads the lab file at a path, and says so when there is none", async () => {
    const file = await piped(["up", "./labs/aab-second.yaml"]);
    expect(file.exitCode).toBe(2);
    expect(file.stderr).toContain("error: failed to load lab file labs/aab-second.yaml: 1 problem");
    const none = await piped(["up", "./labs/no-such.yaml"]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("error: failed to find lab file ./labs/no-such.yaml");
  });
});
