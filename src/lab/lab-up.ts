/**
 * `lab up`: load and validate the lab file, check the provider, plan, then run the pipeline.
 * Anything wrong before the first node exists leaves nothing behind; a failure after that keeps
 * the nodes for inspection and says how to read their logs and how to remove them.
 *
 * It converges: a lab that is up and unchanged only has its checks run; one whose nodes stopped
 * has them started; an interrupted or failed one gets every step again, each taking what it finds.
 * One command at a time changes a lab (its lock).
 */
import { readFile, rm } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "yaml";
import { ArtifactCache } from "../artifacts/artifact-cache.js";
import { writeFileAtomic } from "../atomic-write.js";
import { loadLabFile } from "../config/load-lab.js";
import type { Lab, ProviderName } from "../config/lab-schema.js";
import { UserError } from "../errors.js";
import { LabPaths } from "../lab-paths.js";
import { readLabState, writeLabState, type LabState } from "../lab-state.js";
import { overlaps } from "../plan/ipv4.js";
import { planLab, type Plan, type ResolvedLab } from "../plan/plan.js";
import { buildCheckPipeline, buildResumePipeline, buildUpPipeline } from "../pipeline/build-pipeline.js";
import { toErrorInfo } from "../pipeline/error-info.js";
import type { EventSink } from "../pipeline/events.js";
import { runAbortController } from "../pipeline/run-abort.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import type { RunContext } from "../pipeline/run-context.js";
import { stageSteps, type Stage } from "../pipeline/step.js";
import type { LabResources, Provider } from "../providers/provider.js";
import { createProvider } from "../providers/registry.js";
import { findLabFile } from "./find-lab-file.js";
import { requireStep, upSteps } from "./lab-explain.js";
import type { FileLock } from "../file-lock.js";
import { lockLab } from "./lab-lock.js";
import { hostSubnets, lockSubnetPicking, otherLabsSubnets, pickNodeSubnet, FIRST_POOL_SUBNET } from "./pick-subnet.js";
import { renderFingerprint } from "./render-fingerprint.js";
import { upMode, type UpMode } from "./up-mode.js";

/** What `lab up` was asked for. */
export interface LabUpInput {
  /** A lab name or a path to a lab file. */
  lab: string;
  /** Binaries replaced by local files. */
  with?: Record<string, string>;
  /** Overrides the lab file's provider. */
  provider?: ProviderName;
  /** Group sizes: prefix -> count (`--scale fed-node=5`). */
  scale?: Record<string, number>;
  emit: EventSink;
  signal?: AbortSignal;
  /** For tests: a provider instance instead of the lab's. */
  providerInstance?: Provider;
  /** The command the user ran (`up`, or `start` bringing a stopped lab back). */
  command?: "up" | "start";
  /** Stop before this step (`--until`): every step before it runs, it and the ones after do not. */
  until?: string;
}

/** What `lab up` did. */
export interface LabUpResult {
  ok: boolean;
  plan?: Plan;
  paths?: LabPaths;
}

/** The networks in use where the provider makes its own and on the host, and whether the lab has its own already. */
interface NetworksInUse {
  used: string[];
  /** The lab's own network exists (it is being brought up again): its subnet is no clash. */
  ownsNetwork: boolean;
  /** What the provider holds for the lab now. */
  resources: LabResources | undefined;
}

async function networksInUse(provider: Provider, lab: string): Promise<NetworksInUse> {
  const [[resources], subnets] = await Promise.all([provider.list(lab), provider.usedSubnets()]);
  return { used: [...subnets, ...hostSubnets()], ownsNetwork: (resources?.networks.length ?? 0) > 0, resources };
}

/** The pipeline of each way up, and what the user is told about it. */
function stagesFor(mode: UpMode, plan: Plan, until: string | undefined): { stages: Stage[]; note?: string } {
  if (until !== undefined) {
    // The stages before the one `until` is part of (steps that run together stop together).
    const all = buildUpPipeline(plan);
    const at = all.findIndex((stage) => stageSteps(stage).some((s) => s.id === until));
    const skipped = stageSteps(all[at]!).map((s) => s.id);
    return { stages: all.slice(0, at), note: `lab ${plan.labName}: every step before ${skipped.join(" and ")}, as asked (--until ${until})` };
  }
  switch (mode) {
    case "check":
      return { stages: buildCheckPipeline(), note: `lab ${plan.labName} is up and unchanged: running its checks only (nothing is changed)` };
    case "resume":
      return { stages: buildResumePipeline(), note: `lab ${plan.labName} went green before and is unchanged: starting its nodes and waiting for the cluster` };
    case "full":
      return { stages: buildUpPipeline(plan) };
  }
}

/** The node subnet: pinned by the file, kept from an earlier run, or picked free. */
function resolveNodeSubnet(pinned: string | undefined, previous: LabState | undefined, networks: NetworksInUse, avoid: string[]): string {
  const ownNetwork = previous?.nodeSubnet;
  if (pinned) {
    const clash = networks.used.find((u) => u !== ownNetwork && overlaps(u, pinned));
    if (clash && !networks.ownsNetwork) {
      throw new UserError(`failed to use node subnet ${pinned}: it overlaps ${clash}, which is already in use on this host`, {
        hint: "pick another network.nodeSubnet, or leave it out to have a free one picked",
        exitCode: 2,
      });
    }
    return pinned;
  }
  if (previous?.nodeSubnet) return previous.nodeSubnet;
  return pickNodeSubnet([...networks.used, ...avoid]);
}

/**
 * The pod network and the service range must not overlap a network the provider or the host already
 * has (the lab's own excepted): packets for them would go the wrong way.
 */
function checkPodAndServiceRanges(network: { podCidr: string; serviceCidr: string }, networks: NetworksInUse, previous: LabState | undefined): void {
  const own = networks.ownsNetwork ? previous?.nodeSubnet : undefined;
  const used = networks.used.filter((u) => u !== own);
  for (const [key, range] of [["podCidr", network.podCidr], ["serviceCidr", network.serviceCidr]] as const) {
    const clash = used.find((u) => overlaps(u, range));
    if (clash) {
      throw new UserError(`failed to use network.${key} ${range}: it overlaps ${clash}, a network this host already has`, {
        hint: `pick a ${key} that overlaps nothing here (networks in use: ${[...new Set(used)].join(", ")})`,
        exitCode: 2,
      });
    }
  }
}

/** Brings a lab up and runs its checks. */
export async function labUp(input: LabUpInput): Promise<LabUpResult> {
  const started = Date.now();
  const signal = input.signal ?? runAbortController().signal;
  let failedStep: string | undefined;
  let lastDone: string | undefined;
  const emit: EventSink = (event) => {
    if (event.type === "step-end" && event.status === "failed") failedStep ??= event.step;
    if (event.type === "step-end" && event.status === "ok") lastDone = event.step;
    input.emit(event);
  };
  const file = await findLabFile(input.lab);
  // Problems name the file as the user sees it: relative to the current folder when inside it.
  const shown = relative(process.cwd(), file);
  const loaded = await loadLabFile(shown.startsWith("..") ? file : shown, { scale: input.scale });
  for (const w of loaded.warnings) emit({ type: "log", level: "warn", message: `${w.file}:${w.line}:${w.col}: ${w.message}${w.hint ? ` (${w.hint})` : ""}` });
  const lab = { ...loaded.lab, provider: input.provider ?? loaded.lab.provider };
  // A step that does not exist is refused before anything is made (the steps do not depend on the subnet).
  if (input.until !== undefined) requireStep(planLab({ ...lab, network: { ...lab.network, nodeSubnet: lab.network.nodeSubnet ?? FIRST_POOL_SUBNET } }), input.until);

  const provider = input.providerInstance ?? (await createProvider(lab.provider));
  await provider.preflight();

  const paths = new LabPaths(lab.name);
  const lock = await lockLab(paths, input.command ?? "up");
  try {
    return await upLocked(input, { file, lab, provider, paths, started, signal, emit, failedStep: () => failedStep, lastDone: () => lastDone });
  } finally {
    await lock.release();
  }
}

/** What {@link labUp} found before taking the lab's lock. */
interface UpSetup {
  file: string;
  lab: Lab;
  provider: Provider;
  paths: LabPaths;
  started: number;
  signal: AbortSignal;
  emit: EventSink;
  failedStep: () => string | undefined;
  /** The last step that ended well (an interruption between steps comes after it). */
  lastDone: () => string | undefined;
}

async function upLocked(input: LabUpInput, setup: UpSetup): Promise<LabUpResult> {
  const { lab, provider, paths } = setup;
  const previous = await readLabState(paths);
  const networks = await networksInUse(provider, lab.name);
  // A subnet to pick: labs starting at the same time pick one after the other, each avoiding the
  // others' picks, until the pick is in this lab's state.
  const picking = lab.network.nodeSubnet || previous?.nodeSubnet ? undefined : await lockSubnetPicking(`up ${lab.name}`);
  try {
    return await upPicked(input, setup, previous, networks, picking);
  } finally {
    await picking?.release();
  }
}

async function upPicked(input: LabUpInput, setup: UpSetup, previous: LabState | undefined, networks: NetworksInUse, picking: FileLock | undefined): Promise<LabUpResult> {
  const { file, lab, provider, paths, started, signal, emit } = setup;
  const others = picking ? await otherLabsSubnets(lab.name) : [];
  const nodeSubnet = resolveNodeSubnet(lab.network.nodeSubnet, previous, networks, [lab.network.podCidr, lab.network.serviceCidr, ...others]);
  checkPodAndServiceRanges(lab.network, networks, previous);
  const resolved: ResolvedLab = { ...lab, network: { ...lab.network, nodeSubnet } };
  const plan = planLab(resolved);
  const labYaml = stringify(resolved);
  const rendered = renderFingerprint(plan);
  const unchanged =
    (await sameAsBefore(paths, resolved)) && isDeepStrictEqual(previous?.with ?? {}, input.with ?? {}) && previous?.rendered === rendered;
  // Step by step (--until), every step before the one asked for runs, whatever was there.
  const mode = input.until !== undefined ? "full" : upMode({ previous, unchanged, planned: plan.nodes.map((n) => n.name), nodes: networks.resources?.nodes ?? [] });
  const { stages, note } = stagesFor(mode, plan, input.until);

  const now = new Date().toISOString();
  const state: LabState = {
    lab: lab.name,
    provider: lab.provider,
    // `lab start` brings a lab up again from its own copy: the record keeps naming the user's file.
    labFile: file === paths.labFile && previous ? previous.labFile : file,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    phase: "creating",
    // Every step again: green only once it ends green.
    green: mode !== "full" && previous?.green === true,
    nodeSubnet,
    with: input.with,
    rendered,
  };
  const ctx: RunContext = {
    plan,
    lab: resolved,
    provider,
    paths,
    emit,
    signal,
    cache: new ArtifactCache(),
    options: { with: input.with ?? {}, labDir: dirname(file) },
    results: {},
  };

  emit({
    type: "run-start",
    lab: lab.name,
    command: input.command ?? "up",
    provider: provider.name,
    steps: stages.flatMap(stageSteps).map((s) => ({ id: s.id, title: s.title })),
  });
  if (note) emit({ type: "log", level: "info", message: note });
  // A lab that is up and unchanged keeps its record as it is until the checks end.
  if (mode !== "check") {
    await writeLabState(paths, state);
    await writeFileAtomic(paths.labFile, labYaml);
  }
  // The pick is on record: other labs may pick now.
  await picking?.release();
  try {
    await runPipeline(stages, ctx);
  } catch (error) {
    const [resources] = await provider.list(lab.name).catch(() => []);
    const nothingMade = !resources || (resources.nodes.length === 0 && resources.networks.length === 0 && resources.volumes.length === 0);
    if (nothingMade && !previous) {
      // Failed before any node existed: leave no trace.
      await rm(paths.root, { recursive: true, force: true });
    } else {
      await writeLabState(paths, {
        ...state,
        ...resultsState(ctx, previous),
        phase: "failed",
        green: false,
        failedStep: setup.failedStep(),
        updatedAt: new Date().toISOString(),
      });
    }
    const interrupted = signal.aborted;
    emit({
      type: "run-end",
      status: "failed",
      durationMs: Date.now() - started,
      error: interrupted
        ? {
            message: nothingMade
              ? `interrupted: lab ${lab.name} was not made (nothing is left behind)`
              : `interrupted${interruptedWhere(setup.failedStep(), setup.lastDone())}: lab ${lab.name} is half made, its nodes are kept`,
            hint: nothingMade ? `bring it up with: lab up ${lab.name}` : `lab up ${lab.name} carries on from here; lab down ${lab.name} removes it`,
          }
        : toErrorInfo(error),
      next: nothingMade
        ? []
        : [
            `the nodes are kept for inspection: lab status ${lab.name}`,
            `read a unit's log: lab logs ${lab.name} NODE UNIT   (e.g. lab logs ${lab.name} ${plan.nodes[0]!.name} kubelet)`,
            `bring it up again (every step): lab up ${lab.name}`,
            `remove everything: lab down ${lab.name}`,
          ],
    });
    return { ok: false, plan, paths };
  }
  if (input.until !== undefined) {
    await writeLabState(paths, { ...state, ...resultsState(ctx, previous), phase: "paused", green: false, pausedBefore: input.until, updatedAt: new Date().toISOString() });
    const next = upSteps(plan).find((s) => s.step.id === input.until)!.step;
    emit({ type: "log", level: "info", message: `stopped before step ${next.id} (${next.title}), as asked` });
    emit({
      type: "run-end",
      status: "ok",
      durationMs: Date.now() - started,
      next: [
        `what ${next.id} does, command by command: lab explain ${lab.name} ${next.id}`,
        `did it by hand? check your work: lab verify ${lab.name} --step ${next.id}`,
        `carry on: lab up ${input.lab}   (or step by step: lab up ${input.lab} --until STEP)`,
      ],
    });
    return { ok: true, plan, paths };
  }
  await writeLabState(paths, { ...state, ...resultsState(ctx, previous), phase: "up", green: true, updatedAt: new Date().toISOString() });
  emit({
    type: "run-end",
    status: "ok",
    durationMs: Date.now() - started,
    next: [
      `kubectl --kubeconfig ${paths.adminKubeconfig} get nodes`,
      `lab verify ${lab.name}    lab down ${lab.name}`,
    ],
  });
  return { ok: true, plan, paths };
}

/** Where a run was interrupted: during the step that failed, else after the last that ended. */
function interruptedWhere(failed: string | undefined, lastDone: string | undefined): string {
  if (failed) return ` during step ${failed}`;
  return lastDone ? ` after step ${lastDone}` : "";
}

/** The lab is the one its state directory's copy describes (compared as data: key order aside). */
async function sameAsBefore(paths: LabPaths, resolved: ResolvedLab): Promise<boolean> {
  const before = await readFile(paths.labFile, "utf8").then(parse, () => undefined);
  return isDeepStrictEqual(before, JSON.parse(JSON.stringify(resolved)));
}

/** What the run's steps resolved (a run of the checks only keeps what the last full run found). */
function resultsState(ctx: RunContext, previous: LabState | undefined): Partial<LabState> {
  return { image: ctx.results.image ?? previous?.image, artifacts: ctx.results.artifacts?.sources ?? previous?.artifacts };
}

