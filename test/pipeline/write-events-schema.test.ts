import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { labEventSchema, type ErrorLine, type LabEvent } from "../../src/pipeline/events.js";
import { EVENTS_SCHEMA_FILE, EVENTS_SCHEMA_ID, eventsJsonSchema, eventsJsonSchemaText, writeEventsJsonSchema } from "../../src/pipeline/write-events-schema.js";
import { eventSchemaErrors, publishedEventsSchema } from "./events-validator.js";

/** One event of every type, each with every optional field it can have. */
const everyEvent: LabEvent[] = [
  { type: "run-start", lab: "basic", command: "up", provider: "docker", steps: [{ id: "nodes", title: "Creating nodes" }] },
  { type: "step-start", step: "nodes", title: "Creating nodes" },
  { type: "task-start", step: "nodes", node: "node1", title: "container" },
  { type: "progress", step: "nodes", node: "node1", message: "pulling", done: 1, total: 3 },
  { type: "log", level: "warn", message: "swap is on", step: "nodes", node: "node1" },
  {
    type: "task-end",
    step: "nodes",
    node: "node1",
    status: "failed",
    durationMs: 12,
    error: {
      message: "failed to start etcd",
      hint: "read its journal",
      command: "systemctl start etcd",
      where: "node1",
      output: "Job failed",
      journal: [{ node: "node1", unit: "etcd", lines: ["panic"] }],
      stack: "Error: x\n    at y",
    },
  },
  { type: "step-end", step: "nodes", status: "ok", durationMs: 1200 },
  {
    type: "check",
    result: { check: "dns", title: "DNS", node: "node1", status: "not-run", ran: "dig", saw: "", reason: "no image", hint: "lab images load", durationMs: 0 },
  },
  {
    type: "diagnosis",
    diagnosis: { diagnosis: "kube-proxy", title: "kube-proxy not running or without its config", node: "node1", found: "kube-proxy is not running on node1", fix: "systemctl start kube-proxy", ran: "pgrep -x kube-proxy" },
  },
  { type: "run-end", status: "ok", durationMs: 20_000, next: ["lab verify basic"] },
];

const errorLine: ErrorLine = {
  type: "error",
  exitCode: 2,
  error: { message: "failed to load lab file x.yaml: 1 problem" },
  problems: [{ file: "x.yaml", line: 3, col: 7, path: ["nodes", 0, "ip"], severity: "error", message: "bad ip", hint: "fix it" }],
};

describe("the published JSON Schema of --json events", () => {
  it("is up to date: schema/events.schema.json is what eventsJsonSchema() gives (run `npm run schema` after changing events.ts)", async () => {
    const published = await readFile(EVENTS_SCHEMA_FILE, "utf8");
    expect(JSON.parse(published)).toEqual(eventsJsonSchema());
    expect(published).toBe(eventsJsonSchemaText());
  });

  it("declares draft 2020-12, its $id, a title and one alternative per line type", () => {
    const schema = eventsJsonSchema() as { $schema: string; $id: string; title: string; oneOf: { properties: { type: { const: string } } }[] };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(EVENTS_SCHEMA_ID);
    expect(schema.title).toEqual(expect.any(String));
    expect(schema.oneOf.map((alternative) => alternative.properties.type.const)).toEqual([
      "run-start", "step-start", "step-end", "task-start", "task-end", "progress", "log", "check", "diagnosis", "run-end", "error",
    ]);
  });

  it("accepts every event type, with every optional field, and the error line (validated by Ajv)", () => {
    for (const event of [...everyEvent, errorLine]) expect(eventSchemaErrors(event), JSON.stringify(event)).toBe("");
    // Through JSON, as a reader of the stream gets them.
    for (const event of everyEvent) expect(eventSchemaErrors(JSON.parse(JSON.stringify(event)))).toBe("");
  });

  it("agrees with the zod schema the types come from", () => {
    for (const event of everyEvent) expect(labEventSchema.parse(event)).toEqual(event);
  });

  it.each<[string, unknown]>([
    ["an unknown type", { type: "step-pause", step: "nodes" }],
    ["a missing field", { type: "step-end", step: "nodes", status: "ok" }],
    ["a field no event has", { type: "step-start", step: "nodes", title: "Creating nodes", colour: "red" }],
    ["a status outside its enum", { type: "step-end", step: "nodes", status: "skipped", durationMs: 1 }],
    ["a check result without its status", { type: "check", result: { check: "dns", title: "DNS", ran: "dig", saw: "", durationMs: 0 } }],
    ["a diagnosis without its fix", { type: "diagnosis", diagnosis: { diagnosis: "kube-proxy", title: "t", found: "f", ran: "r" } }],
    ["an error without its message", { type: "run-end", status: "failed", durationMs: 5, error: { hint: "x" } }],
    ["a negative duration", { type: "task-end", step: "nodes", node: "n", status: "ok", durationMs: -1 }],
    ["a problem without its line", { type: "error", exitCode: 2, error: { message: "x" }, problems: [{ file: "x", col: 1, path: [], severity: "error", message: "m" }] }],
  ])("rejects %s", (_name, line) => {
    expect(eventSchemaErrors(line)).not.toBe("");
    expect(labEventSchema.safeParse(line).success).toBe(false);
  });

  it("is the file the validator loads", () => {
    expect(publishedEventsSchema).toEqual(eventsJsonSchema());
  });

  it("is written as indented JSON with a final newline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubelab-events-schema-"));
    try {
      const target = pathToFileURL(join(dir, "out", "events.schema.json"));
      expect(await writeEventsJsonSchema(target)).toBe(join(dir, "out", "events.schema.json"));
      const content = await readFile(target, "utf8");
      expect(content).toBe(eventsJsonSchemaText());
      expect(content).toMatch(/^\{\n {2}"\$schema"/);
      expect(content.endsWith("}\n")).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
