/**
 * `npm run bench`: brings coreos-single up and down several times through the real CLI with warm
 * caches, and times every phase from the event stream, the whole run, `lab down`, and the PKI
 * generation alone. Prints a table (and JSON with --json).
 *
 *   npm run bench -- [--runs N] [--lab NAME] [--overlay routes|vxlan|flannel] [--scale PREFIX=N]
 *                    [--control-plane systemd|static-pods] [--ui] [--json]
 *
 * Besides the lab's own figures it measures `lab images load` of a 10 MB image into the lab's
 * nodes, the memory each node uses once the lab is up and idle, `lab up` again of the unchanged
 * lab, and `lab stop` / `lab start`. With --ui it measures instead
 * what the live Ink view costs `lab up`: runs with the view in a real terminal against runs with
 * --json (`ui-overhead.ts`).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Docker from "dockerode";
import { execa } from "execa";
import { buildFillerImage } from "./filler-image.js";
import { seconds, seriesTable, type Series } from "./stats.js";
import { measureReruns } from "./rerun-figures.js";
import { measureUiOverhead } from "./ui-overhead.js";
import { labSchema } from "../config/lab-schema.js";
import { LabPaths } from "../lab-paths.js";
import { packagePath } from "../package-root.js";
import { ensurePki } from "../pki/pki-store.js";
import { planLab, type ResolvedLab } from "../plan/plan.js";
import { parse } from "yaml";

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return execa("node", [packagePath("dist", "cli", "main.js"), ...args], { env, reject: false, all: true });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      lab: { type: "string", default: "coreos-single" },
      overlay: { type: "string" },
      "control-plane": { type: "string" },
      scale: { type: "string", multiple: true, default: [] },
      ui: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  const name = `bench-${values.lab}`;
  const home = await mkdtemp(join(tmpdir(), "kubelab-bench-"));
  const env = { ...process.env, KUBELAB_HOME: home, CI: "1", NO_COLOR: "1" };
  let source = (await readFile(packagePath("labs", `${values.lab}.yaml`), "utf8")).replace(/^name: .*$/m, `name: ${name}`);
  if (values.overlay) {
    // Another overlay: its checks are the ones that apply (flannel's own only with flannel).
    source = source.replace(/^(\s+overlay:) \S+$/m, `$1 ${values.overlay}`);
    if (values.overlay !== "flannel") source = source.replace(/^\s+- flannel-[\w-]+\n/gm, "");
  }
  const controlPlane = values["control-plane"];
  if (controlPlane) {
    // The other control plane mode: with systemd units no addon, so no dns check.
    source = source.replace(/^controlPlane: \S+$/m, `controlPlane: ${controlPlane}`);
    if (controlPlane === "systemd") source = source.replace(/^addons: .*\n/m, "").replace(/^\s+- dns\n/m, "");
  }
  const file = join(home, `${name}.yaml`);
  await writeFile(file, source);
  const scaleArgs = values.scale.flatMap((s) => ["--scale", s]);
  const upArgs = ["up", file, "--json", ...scaleArgs];
  const variant = [values.overlay && `overlay ${values.overlay}`, controlPlane && `control plane ${controlPlane}`, ...values.scale.map((x) => `--scale ${x}`)].filter(Boolean).join(", ");
  const title = `lab ${values.lab}${variant ? ` (${variant})` : ""}`;

  if (values.ui) {
    // The live view as a person sees it: not in CI, colours on.
    const uiEnv: NodeJS.ProcessEnv = { ...process.env, KUBELAB_HOME: home };
    for (const key of ["CI", "CONTINUOUS_INTEGRATION", "NO_COLOR"]) delete uiEnv[key];
    process.stderr.write(`warming up (${name}) ...\n`);
    const report = await measureUiOverhead({
      name,
      file,
      upArgs: scaleArgs,
      jsonFile: join(home, "events.jsonl"),
      runs,
      env: uiEnv,
      onRun: (message) => process.stderr.write(`${message}\n`),
    }).finally(() => rm(home, { recursive: true, force: true }));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ lab: values.lab, overlay: values.overlay, scale: values.scale, controlPlane, runs, ...report })}\n`);
      return;
    }
    const percent = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
    process.stdout.write(`\n${title}: lab up with the Ink view in a real terminal against --json, ${runs} runs each, warm caches\n\n${seriesTable(report.series).join("\n")}\n`);
    process.stdout.write(`\nthe Ink view changes lab up's wall time by ${percent(report.wallOverheadPercent)} (medians; the issue allows at most +2%) and the CLI's CPU time by ${percent(report.cpuOverheadPercent)}\n`);
    return;
  }

  // Warm-up: the node image and artifacts must already be there; this run is not measured.
  process.stderr.write(`warming up (${name}) ...\n`);
  const warm = await cli(upArgs, env);
  if (warm.exitCode !== 0) {
    process.stderr.write(`${warm.all}\nthe warm-up run failed: fix that first (lab image build, lab artifacts import DIR)\n`);
    process.exit(1);
  }
  // With the warm-up lab still up: images load of 10 MB, and each node's idle memory.
  const imagesLoad = await measureImagesLoad(name, env);
  const memory = await nodeMemory(name);
  // Still with the warm-up lab: lab up again unchanged, and lab stop / lab start.
  const reruns = await measureReruns(name, upArgs, env, runs);
  await cli(["down", name], env);

  const phases = new Map<string, number[]>();
  const totals: number[] = [];
  const downs: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const started = Date.now();
    const up = await cli(upArgs, env);
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
    { name: "lab images load, 10 MB image", samples: [imagesLoad] },
    { name: "lab up again, unchanged (checks only)", samples: reruns.rerun },
    { name: "lab stop", samples: reruns.stop },
    { name: "lab start, stopped to green", samples: reruns.start },
  ];
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ lab: values.lab, overlay: values.overlay, scale: values.scale, controlPlane, runs, series, memoryMiB: memory })}\n`);
    return;
  }
  process.stdout.write(`\n${title}, ${runs} runs, warm caches\n\n${seriesTable(series).join("\n")}\n`);
  process.stdout.write(`\nidle memory per node (MiB): ${Object.entries(memory).map(([n, m]) => `${n} ${m.toFixed(0)}`).join(", ")}\n`);
  process.stdout.write("steps in the same parallel stage overlap (artifacts+node-image, nodes+pki+component-images, etcd+kubelet, control-plane+overlay).\n");
}

/** Wall time of `lab images load` of a fresh 10 MB image into every node of the lab. */
async function measureImagesLoad(lab: string, env: NodeJS.ProcessEnv): Promise<number> {
  const docker = new Docker();
  const tag = `kubelab-bench/ten-megabytes:${Date.now()}`;
  await buildFillerImage(docker, tag, 10 * 1024 * 1024);
  try {
    const started = Date.now();
    const r = await cli(["images", "load", lab, tag], env);
    if (r.exitCode !== 0) throw new Error(`lab images load failed: ${r.all}`);
    return Date.now() - started;
  } finally {
    await docker.getImage(tag).remove({ force: true });
  }
}

/** Memory each node's container uses (as docker stats counts it), by node. */
async function nodeMemory(lab: string): Promise<Record<string, number>> {
  await new Promise((r) => setTimeout(r, 5000));
  const docker = new Docker();
  const containers = await docker.listContainers({ filters: { label: [`io.kubelab.lab=${lab}`] } });
  const out: Record<string, number> = {};
  for (const c of containers) {
    const stats = (await docker.getContainer(c.Id).stats({ stream: false })) as { memory_stats: { usage: number; stats: Record<string, number> } };
    const s = stats.memory_stats.stats;
    out[c.Labels["io.kubelab.node"] ?? c.Id] = (stats.memory_stats.usage - (s.total_inactive_file ?? s.inactive_file ?? s.cache ?? 0)) / 1024 / 1024;
  }
  return out;
}

await main();
