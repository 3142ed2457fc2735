/**
 * The published JSON Schema of `--json` output (`lab up`, `lab start`, `lab verify`): one schema
 * every line validates against, generated from the zod schemas of `events.ts` so the events, their
 * TypeScript types and the schema cannot drift. Run as a script
 * (`node dist/pipeline/write-events-schema.js`, or `npm run schema`) it writes
 * `schema/events.schema.json`, or the file named by its argument.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { jsonLineSchema } from "./events.js";

/** The `$id` of the published schema. */
export const EVENTS_SCHEMA_ID = "https://kubelab.dev/schema/events.schema.json";

/** Where the schema is published in the repository (and the npm package). */
export const EVENTS_SCHEMA_FILE = new URL("../../schema/events.schema.json", import.meta.url);

/** The JSON Schema (draft 2020-12) of one line of `--json` output. */
export function eventsJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(jsonLineSchema, { target: "draft-2020-12" });
  return {
    $schema,
    $id: EVENTS_SCHEMA_ID,
    title: "kubelab --json event",
    description: "one line of the --json output of lab up, lab start and lab verify: an event of the run, or the error of a command that failed outside its run",
    ...rest,
  };
}

/** The schema as written to its file: two-space indented JSON with a final newline. */
export function eventsJsonSchemaText(): string {
  return `${JSON.stringify(eventsJsonSchema(), null, 2)}\n`;
}

/** Writes the schema to `target` (default {@link EVENTS_SCHEMA_FILE}) and returns the path written. */
export async function writeEventsJsonSchema(target: URL = EVENTS_SCHEMA_FILE): Promise<string> {
  await mkdir(new URL(".", target), { recursive: true });
  await writeFile(target, eventsJsonSchemaText());
  return fileURLToPath(target);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = process.argv[2];
  console.log(`wrote ${await writeEventsJsonSchema(target === undefined ? undefined : pathToFileURL(resolve(target)))}`);
}
