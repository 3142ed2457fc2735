/**
 * `npm run bench`: brings coreos-single up and down several times through the real CLI with warm
 * caches, and times every phase from the event stream, the whole run, `lab down`, and the PKI
 * generation alone. Prints a table (and JSON with --json).
 *
 *   npm run bench -- [--runs N] [--lab NAME] [--json]
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { labSchema } from "../config/lab-schema.js";
import { LabPaths } from "../lab-paths.js";
import { packagePath } from "../package-root.js";
import { ensurePki } from "../pki/pki-store.js";
import { planLab, type ResolvedLab } from "../plan/plan.js";
import { parse } from "yaml";

/** Times of one measured quantity over the runs. */
interface Series {
  name: string;
  samples: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const seconds = (ms: number): string => (ms / 1000).toFixed(2);

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return execa("node", [packagePath("dist", "cli", "main.js"), ...args], { env, reject: false, all: true });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "3" }, lab: { type: "string", default: "coreos-single" }, json: { type: "boolean", default: false } },
  });
  const runs = Number(values.runs);
  const name = `bench-${values.lab}`;
  const home = await mkdtemp(join(tmpdir(), "kubelab-bench-"));
  const env = { ...process.env, KUBELAB_HOME: home, CI: "1", NO_COLOR: "1" };
  const source = await readFile(packagePath("labs", `${values.lab}.yaml`), "utf8");
  const file = join(home, `${name}.yaml`);
  await writeFile(file, source.replace(/^name: .*$/m, `name: ${name}`));

  // Warm-up: the node image and artifacts must already be there; this run is not measured.
  process.stderr.write(`warming up (${name}) ...\n`);
  const warm = await cli(["up", file, "--json"], env);
  if (warm.exitCode !== 0) {
    process.stderr.write(`${warm.all}\nthe warm-up run failed: fix that first (lab image build, lab artifacts import DIR)\n`);
    process.exit(1);
  }
  await cli(["down", name], env);

  const phases = new Map<string, number[]>();
  const totals: number[] = [];
  const downs: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const started = Date.now();
    const up = await cli(["up", file, "--json"], env);
    const wall = Date.now() - started;
    if (up.exitCode !== 0) {
      process.stderr.write(`${up.all}\nrun ${i} failed\n`);
      await cli(["down", name], env);
      process.exit(1);
    }
    for (const line of up.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const e = JSON.parse(line) as { type: string; step?: string; durationMs?: number };
      if (e.type === "step-end" && e.step) phases.set(e.step, [...(phases.get(e.step) ?? []), e.durationMs!]);
    }
    totals.push(wall);
    const downStarted = Date.now();
    const down = await cli(["down", name], env);
    downs.push(Date.now() - downStarted);
    if (down.exitCode !== 0) process.stderr.write(`${down.all}\n`);
    process.stderr.write(`run ${i}/${runs}: up ${seconds(wall)}s, down ${seconds(downs.at(-1)!)}s\n`);
  }

  // The PKI alone, on a fresh state directory each time (nothing to reuse).
  const lab = labSchema.parse(parse(source)) as ResolvedLab;
  const plan = planLab({ ...lab, network: { ...lab.network, nodeSubnet: "172.30.0.0/24" } });
  const pki: number[] = [];
  for (let i = 0; i < runs; i++) {
    const pkiHome = await mkdtemp(join(tmpdir(), "kubelab-bench-pki-"));
    const started = Date.now();
    await ensurePki(plan, new LabPaths(name, { KUBELAB_HOME: pkiHome }));
    pki.push(Date.now() - started);
    await rm(pkiHome, { recursive: true, force: true });
  }
  await rm(home, { recursive: true, force: true });

  const series: Series[] = [
    ...[...phases].map(([step, samples]) => ({ name: `step ${step}`, samples })),
    { name: "lab up (wall, CLI start to exit)", samples: totals },
    { name: "lab down (wall)", samples: downs },
    { name: "PKI alone (fresh)", samples: pki },
  ];
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ lab: values.lab, runs, series })}\n`);
    return;
  }
  const rows = series.map((s) => [s.name, seconds(median(s.samples)), seconds(Math.min(...s.samples)), seconds(Math.max(...s.samples))]);
  const header = ["measure", "median s", "min s", "max s"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write(`\nlab ${values.lab}, ${runs} runs, warm caches\n\n${[line(header), ...rows.map(line)].join("\n")}\n`);
  process.stdout.write("\nsteps in the same parallel stage overlap (artifacts+node-image, nodes+pki, etcd+kubelet).\n");
}

await main();
