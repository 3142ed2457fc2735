/**
 * A real JSON Schema validator (Ajv, draft 2020-12) loaded with the published
 * schema/events.schema.json, for the tests that check `--json` lines against it. Not a test file.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { EVENTS_SCHEMA_FILE } from "../../src/pipeline/write-events-schema.js";

/** The published schema, as read from its file. */
export const publishedEventsSchema = JSON.parse(readFileSync(EVENTS_SCHEMA_FILE, "utf8")) as Record<string, unknown>;

const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(publishedEventsSchema);

/** Ajv's complaints about `value` against the published schema, as text; empty when it is valid. */
export function eventSchemaErrors(value: unknown): string {
  return validate(value) ? "" : JSON.stringify(validate.errors);
}
