/**
 * Running the built CLI on a real terminal: a pseudo-terminal made by util-linux `script`, whose
 * input the test types into once the CLI has shown what it waits for. Not a test file: the
 * *.test.ts files in this folder import it.
 */
import { execa, type ResultPromise } from "execa";
import { packagePath } from "../../src/package-root.js";
import { shellLine } from "../../src/errors.js";

/** Why `script` cannot give the tests a terminal here, or undefined when it can. */
export async function terminalBlocker(): Promise<string | undefined> {
  const r = await execa("script", ["-qec", "test -t 0 && test -t 1", "/dev/null"], { reject: false, timeout: 10_000 });
  return r.exitCode === 0 ? undefined : `util-linux \`script\` cannot make a terminal here (${r.shortMessage})`;
}

/** A CLI run on a terminal. */
export interface TerminalRun {
  /** Everything the terminal showed so far. */
  output(): string;
  /** Resolves once the terminal has shown `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Types into the terminal. */
  type(text: string): void;
  /** Resolves with the CLI's exit code and the whole output once it has ended. */
  ended(): Promise<{ exitCode: number; output: string }>;
}

/**
 * Runs `node dist/cli/main.js ARGS` on a terminal of `columns` x `rows`, in `cwd` with `env`.
 * `suffix` is shell put after the command (e.g. a redirection of its stdout).
 */
export function onTerminal(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; columns?: number; rows?: number; suffix?: string }): TerminalRun {
  const command = [process.execPath, packagePath("dist", "cli", "main.js"), ...args];
  const size = `stty cols ${options.columns ?? 100} rows ${options.rows ?? 30}`;
  const child: ResultPromise = execa("script", ["-qefc", `${size}; ${shellLine(command)}${options.suffix ?? ""}`, "/dev/null"], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  return {
    output: () => output,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`the terminal did not show ${pattern} within ${timeoutMs} ms; it showed:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    type(text) {
      child.stdin?.write(text);
    },
    async ended() {
      const r = await child;
      return { exitCode: r.exitCode ?? -1, output };
    },
  };
}
