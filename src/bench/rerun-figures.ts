/**
 * Bench figures of a lab that is already up: `lab up` again with nothing changed (the checks only),
 * and `lab stop` then `lab start` back to green. Each sample is the CLI's wall time, start to exit.
 */
import { execa } from "execa";
import { packagePath } from "../package-root.js";

async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = Date.now();
  const r = await execa("node", [packagePath("dist", "cli", "main.js"), ...args], { env, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`lab ${args.join(" ")} failed:\n${String(r.all)}`);
  return Date.now() - started;
}

/** What {@link measureReruns} found, in milliseconds per run. */
export interface RerunFigures {
  /** `lab up` of the lab as it is. */
  rerun: number[];
  /** `lab stop`. */
  stop: number[];
  /** `lab start` of the stopped lab, to every check green. */
  start: number[];
}

/** Measures reruns and stop/start of the lab `name` (up, from `upArgs`), `runs` times each. */
export async function measureReruns(name: string, upArgs: string[], env: NodeJS.ProcessEnv, runs: number): Promise<RerunFigures> {
  const figures: RerunFigures = { rerun: [], stop: [], start: [] };
  for (let i = 0; i < runs; i++) figures.rerun.push(await timed(upArgs, env));
  for (let i = 0; i < runs; i++) {
    figures.stop.push(await timed(["stop", name], env));
    figures.start.push(await timed(["start", name, "--json"], env));
  }
  return figures;
}
