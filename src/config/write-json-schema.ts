/**
 * The published JSON Schema of lab files, generated from the zod schema so the two cannot drift.
 * Editors use it through a lab file's `$schema` key. Run as a script
 * (`node dist/config/write-json-schema.js`, or `npm run schema`) it writes `schema/lab.schema.json`,
 * or the file named by its argument (for a build compiled outside the repository:
 * `node /tmp/build/config/write-json-schema.js schema/lab.schema.json`).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { labSchema } from "./lab-schema.js";

/** The `$id` of the published schema. */
export const LAB_SCHEMA_ID = "https://kubelab.dev/schema/lab.schema.json";

/** Where the schema is published in the repository (and the npm package). */
export const LAB_SCHEMA_FILE = new URL("../../schema/lab.schema.json", import.meta.url);

/** The JSON Schema (draft 2020-12) of what a user may write in a lab file. */
export function labJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(labSchema, { io: "input", target: "draft-2020-12" });
  return { $schema, $id: LAB_SCHEMA_ID, title: "kubelab lab file", ...rest };
}

/** The schema as written to its file: two-space indented JSON with a final newline. */
export function labJsonSchemaText(): string {
  return `${JSON.stringify(labJsonSchema(), null, 2)}\n`;
}

/** Writes the schema to `target` (default {@link LAB_SCHEMA_FILE}) and returns the path written. */
export async function writeLabJsonSchema(target: URL = LAB_SCHEMA_FILE): Promise<string> {
  await mkdir(new URL(".", target), { recursive: true });
  await writeFile(target, labJsonSchemaText());
  return fileURLToPath(target);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = process.argv[2];
  console.log(`wrote ${await writeLabJsonSchema(target === undefined ? undefined : pathToFileURL(resolve(target)))}`);
}
