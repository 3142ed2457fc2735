/**
 * The bench's `--ui` scenario: what the live Ink view costs `lab up`. The same lab is brought up
 * (and down) again and again, alternately with the Ink view in a real terminal (a tmux pane) and
 * with `--json` (stdout to a file), both run by the same shell in the same kind of pane, so the
 * renderer is the only difference; each run's wall time and CPU time are measured in the pane.
 */
import { execa } from "execa";
import { packagePath } from "../package-root.js";
import { median, type Series } from "./stats.js";
import { runInTerminal, type TerminalRun } from "./terminal-run.js";

/** The terminal the Ink view draws in. */
const UI_TERMINAL = { columns: 120, rows: 50 } as const;

/** What the scenario measures. */
export interface UiOverheadOptions {
  /** The lab's name, and its file. */
  name: string;
  file: string;
  /** Extra arguments of `lab up` (e.g. --scale). */
  upArgs: string[];
  /** Where the --json runs write their events. */
  jsonFile: string;
  runs: number;
  /** The CLI's environment: an isolated KUBELAB_HOME; neither CI nor NO_COLOR (the view as a person sees it). */
  env: NodeJS.ProcessEnv;
  /** Told after each run. */
  onRun: (message: string) => void;
}

/** Wall and CPU times of `lab up` with each renderer. */
export interface UiOverhead {
  series: Series[];
  /** Median wall time with the Ink view over the median with --json, less one, in percent. */
  wallOverheadPercent: number;
  /** The same for the CPU time of the CLI (and the processes it waits for). */
  cpuOverheadPercent: number;
}

/** Runs the CLI outside a terminal (for `lab down`). */
function cli(args: string[], env: NodeJS.ProcessEnv) {
  return execa("node", [packagePath("dist", "cli", "main.js"), ...args], { env, reject: false, all: true });
}

/** Brings the lab up once in a terminal, with the Ink view or --json; throws when the run failed. */
async function up(mode: "ui" | "json", options: UiOverheadOptions): Promise<TerminalRun> {
  const argv = ["node", packagePath("dist", "cli", "main.js"), "up", options.file, ...options.upArgs, ...(mode === "json" ? ["--json"] : [])];
  const run = await runInTerminal(argv, { env: options.env, ...UI_TERMINAL, ...(mode === "json" ? { stdoutFile: options.jsonFile } : {}) });
  if (run.exitCode !== 0 || (mode === "ui" && !run.text.includes("done in"))) {
    throw new Error(`lab up (${mode}) failed with exit code ${run.exitCode}:\n${run.text}`);
  }
  return run;
}

/** Brings the lab down, so that the next run starts from nothing. */
async function down(options: UiOverheadOptions): Promise<void> {
  const r = await cli(["down", options.name], options.env);
  if (r.exitCode !== 0) throw new Error(`lab down ${options.name} failed:\n${r.all}`);
}

/**
 * Measures `lab up` with the Ink view and with --json, `options.runs` times each, alternating which
 * goes first; a warm-up run (not counted) comes first. The lab is down at the end.
 */
export async function measureUiOverhead(options: UiOverheadOptions): Promise<UiOverhead> {
  const samples = { ui: { wall: [] as number[], cpu: [] as number[] }, json: { wall: [] as number[], cpu: [] as number[] } };
  try {
    await up("json", options);
    await down(options);
    for (let i = 1; i <= options.runs; i++) {
      const order: ("ui" | "json")[] = i % 2 === 1 ? ["json", "ui"] : ["ui", "json"];
      for (const mode of order) {
        const run = await up(mode, options);
        samples[mode].wall.push(run.wallMs);
        samples[mode].cpu.push(run.cpuMs);
        await down(options);
        options.onRun(`run ${i}/${options.runs}, ${mode === "ui" ? "Ink view" : "--json"}: up ${(run.wallMs / 1000).toFixed(2)}s wall, ${(run.cpuMs / 1000).toFixed(2)}s CPU`);
      }
    }
  } finally {
    await cli(["down", options.name], options.env);
  }
  const overhead = (ui: number[], json: number[]): number => (median(ui) / median(json) - 1) * 100;
  return {
    series: [
      { name: `lab up, Ink view in a ${UI_TERMINAL.columns}x${UI_TERMINAL.rows} terminal (wall)`, samples: samples.ui.wall },
      { name: "lab up, --json (wall)", samples: samples.json.wall },
      { name: "lab up, Ink view (CPU of the CLI)", samples: samples.ui.cpu },
      { name: "lab up, --json (CPU of the CLI)", samples: samples.json.cpu },
    ],
    wallOverheadPercent: overhead(samples.ui.wall, samples.json.wall),
    cpuOverheadPercent: overhead(samples.ui.cpu, samples.json.cpu),
  };
}
