/**
 * The events a run emits. The core only emits these; the Ink view, the plain line printer and
 * `--json` each render the same stream. Every event is a plain JSON-serialisable object tagged by
 * `type`.
 *
 * The events are defined once, as zod schemas: the TypeScript types are inferred from them, and the
 * published JSON Schema of `--json` output (`schema/events.schema.json`, written by
 * `write-events-schema.ts`) is generated from them, so the three cannot drift apart.
 */
import { z } from "zod";
import { problemSchema } from "../config/problem.js";

/** A duration in milliseconds. */
const durationMs = z.number().min(0).describe("how long it took, in milliseconds");

/** A step's id, e.g. "etcd". */
const stepId = z.string().describe('the step\'s id, e.g. "etcd"');

/** The lines of a unit's journal attached to a failure. */
const journalExcerptSchema = z.strictObject({
  node: z.string(),
  unit: z.string(),
  lines: z.array(z.string()),
});

/** A failure, ready to show: what failed, what to do, and the evidence. */
const errorInfoSchema = z
  .strictObject({
    message: z.string(),
    hint: z.string().optional(),
    command: z.string().optional().describe("the failed command as a pasteable shell line"),
    where: z.string().optional().describe('where the failed command ran: a node\'s name, or "host"'),
    output: z.string().optional().describe("the failed command's output (last lines)"),
    journal: z.array(journalExcerptSchema).optional().describe("last journal lines of the units involved"),
    stack: z.string().optional().describe("present for bugs only, and with --json only under --verbose"),
  })
  .meta({ id: "ErrorInfo", description: "a failure: what failed, what to do, and the evidence" });

/** A failure, ready to show: what failed, what to do, and the evidence. */
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

/** Result of one check on one node (or the whole lab). */
const checkResultSchema = z
  .strictObject({
    check: z.string().describe('the check\'s id, e.g. "etcd-health"'),
    title: z.string(),
    node: z.string().optional().describe("the node it ran on, when it is per node"),
    status: z
      .enum(["pass", "fail", "not-run"])
      .describe("pass and fail mean it ran; not-run says it could not run here and why (never counted as passed)"),
    ran: z.string().describe("what it ran, as a command line"),
    saw: z.string().describe("what it saw (trimmed output, or a one-line summary)"),
    reason: z.string().optional().describe("why it failed or was not run"),
    hint: z.string().optional().describe("how to fix it"),
    durationMs,
  })
  .meta({ id: "CheckResult", description: "the result of one check on one node, or on the whole lab" });

/** Result of one check on one node (or the whole lab). */
export type CheckResult = z.infer<typeof checkResultSchema>;

/** A known cause of failed checks, found in the lab: what it is, where, and what to fix. */
const diagnosisSchema = z
  .strictObject({
    diagnosis: z.string().describe('the known cause\'s id, e.g. "apiserver-san"'),
    title: z.string().describe("the known cause, e.g. \"an API server certificate missing a SAN a client uses\""),
    node: z.string().optional().describe("the node it was found on, when it is one node's"),
    found: z.string().describe("what was found"),
    fix: z.string().describe("the file or flag to fix, and how"),
    ran: z.string().describe("what was run or read to find it"),
  })
  .meta({ id: "Diagnosis", description: "a known cause of failed checks, found in the lab, with the file or flag to fix" });

/** A known cause of failed checks, found in the lab. */
export type Diagnosis = z.infer<typeof diagnosisSchema>;

/** Every event of a run, one schema per `type`. */
const labEventSchemas = [
  z
    .strictObject({
      type: z.literal("run-start"),
      lab: z.string(),
      command: z.string().describe('the command running: "up", "start", "verify"'),
      provider: z.string(),
      steps: z.array(z.strictObject({ id: stepId, title: z.string() })).describe("every step of the run, in order"),
    })
    .describe("the run starts: what it is and its steps"),
  z.strictObject({ type: z.literal("step-start"), step: stepId, title: z.string() }).describe("a step starts"),
  z
    .strictObject({
      type: z.literal("step-end"),
      step: stepId,
      status: z.enum(["ok", "failed"]),
      durationMs,
      error: errorInfoSchema.optional(),
    })
    .describe("a step ends"),
  z
    .strictObject({ type: z.literal("task-start"), step: stepId, node: z.string(), title: z.string().optional() })
    .describe("a step's work on one node starts"),
  z
    .strictObject({
      type: z.literal("task-end"),
      step: stepId,
      node: z.string(),
      status: z.enum(["ok", "failed"]),
      durationMs,
      error: errorInfoSchema.optional(),
    })
    .describe("a step's work on one node ends"),
  z
    .strictObject({
      type: z.literal("progress"),
      step: stepId,
      node: z.string().optional(),
      message: z.string(),
      done: z.number().optional(),
      total: z.number().optional(),
    })
    .describe("what a step is doing now, with a counter when it has one"),
  z
    .strictObject({
      type: z.literal("log"),
      level: z.enum(["info", "warn", "debug"]),
      message: z.string(),
      step: stepId.optional(),
      node: z.string().optional(),
    })
    .describe("a message: a warning, a note, or (shown under --verbose) a debug line"),
  z.strictObject({ type: z.literal("check"), result: checkResultSchema }).describe("a check's result"),
  z
    .strictObject({ type: z.literal("diagnosis"), diagnosis: diagnosisSchema })
    .describe("after failed checks: a known cause found in the lab"),
  z
    .strictObject({
      type: z.literal("run-end"),
      status: z.enum(["ok", "failed"]),
      durationMs,
      error: errorInfoSchema.optional(),
      next: z.array(z.string()).optional().describe("what to do next, as command lines"),
    })
    .describe("the run ends; always the last event"),
] as const;

/** Every event of a run. */
export const labEventSchema = z.discriminatedUnion("type", labEventSchemas);

/** Every event of a run. */
export type LabEvent = z.infer<typeof labEventSchema>;

/** The tag of a {@link LabEvent}. */
export type LabEventType = LabEvent["type"];

/** A function that receives events. */
export type EventSink = (event: LabEvent) => void;

/**
 * The line a command prints with `--json` when it fails before or outside its run (an invalid lab
 * file, no Docker, a bug): its exit code, its error, and a lab file's problems.
 */
export const errorLineSchema = z
  .strictObject({
    type: z.literal("error"),
    exitCode: z.number().int().describe("the exit code the command ends with: 1 a failure, 2 bad input"),
    error: errorInfoSchema,
    problems: z.array(problemSchema).optional().describe("every problem of a lab file that does not load"),
  })
  .describe("a command failed before or outside its run");

/** The line a command prints with `--json` when it fails before or outside its run. */
export type ErrorLine = z.infer<typeof errorLineSchema>;

/** Any line of a `lab up`, `lab start` or `lab verify` run's `--json` output. */
export const jsonLineSchema = z.discriminatedUnion("type", [...labEventSchemas, errorLineSchema]);
