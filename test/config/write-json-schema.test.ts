import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ADDONS, CHECK_IDS, CONTROL_PLANE_MODES, KEY_ALGORITHMS, NODE_ROLES, OVERLAYS, PKI_STYLES, PROVIDERS } from "../../src/config/lab-schema.js";
import { LAB_SCHEMA_FILE, LAB_SCHEMA_ID, labJsonSchema, labJsonSchemaText, writeLabJsonSchema } from "../../src/config/write-json-schema.js";

/** A JSON Schema node, as far as these tests look into it. */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  required?: string[];
  enum?: string[];
  additionalProperties?: boolean;
  [key: string]: unknown;
}

const schema = labJsonSchema() as SchemaNode;
const props = schema.properties ?? {};
const nodeSchema = props.nodes?.items ?? {};
const groupSchema = props.groups?.items ?? {};

/** Every schema node of type object, with its JSON pointer. */
function objects(node: SchemaNode, pointer = "#"): Array<[string, SchemaNode]> {
  const own: Array<[string, SchemaNode]> = node.type === "object" ? [[pointer, node]] : [];
  const children = Object.entries(node.properties ?? {}).flatMap(([key, child]) => objects(child, `${pointer}/properties/${key}`));
  const items = node.items === undefined ? [] : objects(node.items, `${pointer}/items`);
  return [...own, ...children, ...items];
}

describe("the published JSON Schema", () => {
  it("is up to date: schema/lab.schema.json is what labJsonSchema() gives (run `npm run schema` after changing the lab schema)", async () => {
    const published = await readFile(LAB_SCHEMA_FILE, "utf8");
    expect(JSON.parse(published)).toEqual(labJsonSchema());
    expect(published).toBe(labJsonSchemaText());
  });

  it("declares draft 2020-12, its $id and a title", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(LAB_SCHEMA_ID);
    expect(schema.$id).toBe("https://kubelab.dev/schema/lab.schema.json");
    expect(schema.title).toEqual(expect.any(String));
  });

  it("requires only what has no default", () => {
    // nodes defaults to none: a lab may consist of groups only (the loader asks for one node at least).
    expect(schema.required).toEqual(["name", "kubernetesVersion"]);
    expect(props.nodes?.default).toEqual([]);
    expect(props.groups?.default).toEqual([]);
    expect(nodeSchema.required).toEqual(["name", "roles"]);
    expect(groupSchema.required).toEqual(["prefix", "roles", "count"]);
    expect(props.network?.required).toBeUndefined();
  });

  it("describes groups: a count of 0 or more, a max of 1 to 32 that defaults to 8", () => {
    expect(groupSchema.properties?.count).toMatchObject({ type: "integer", minimum: 0 });
    expect(groupSchema.properties?.max).toMatchObject({ type: "integer", minimum: 1, maximum: 32, default: 8 });
    expect(groupSchema.properties?.roles).toMatchObject({ minItems: 1 });
  });

  it("describes a group's counts: an optional, non-empty list of counts of 0 or more", () => {
    expect(groupSchema.properties?.counts).toMatchObject({ type: "array", minItems: 1, items: { type: "integer", minimum: 0 } });
    expect(groupSchema.required).not.toContain("counts");
  });

  it("describes the PKI style, per-component unless set, and its keys' algorithm, rsa unless set", () => {
    expect(props.pki?.default).toEqual({ style: "per-component", keyAlgorithm: "rsa" });
    expect(props.pki?.properties?.style).toMatchObject({ enum: [...PKI_STYLES], default: "per-component" });
    expect(props.pki?.properties?.keyAlgorithm).toMatchObject({ enum: [...KEY_ALGORITHMS], default: "rsa" });
    expect(props.pki?.required).toBeUndefined();
  });

  it("lists the allowed values of every enum", () => {
    expect(props.provider?.enum).toEqual([...PROVIDERS]);
    expect(props.controlPlane?.enum).toEqual([...CONTROL_PLANE_MODES]);
    expect(nodeSchema.properties?.roles?.items?.enum).toEqual([...NODE_ROLES]);
    expect(groupSchema.properties?.roles?.items?.enum).toEqual([...NODE_ROLES]);
    expect(props.network?.properties?.overlay).toMatchObject({ enum: [...OVERLAYS], default: "routes" });
    expect(props.pki?.properties?.style?.enum).toEqual(["per-component", "shared"]);
    expect(props.pki?.properties?.keyAlgorithm?.enum).toEqual(["rsa", "ecdsa"]);
    expect(NODE_ROLES).toContain("loadbalancer");
    expect(CHECK_IDS).toEqual(expect.arrayContaining(["etcd-members", "loadbalancer", "leader-election"]));
    expect(props.checks?.items?.enum).toEqual([...CHECK_IDS]);
    expect(props.addons?.items?.enum).toEqual([...ADDONS]);
  });

  it("rejects unknown keys on every object (the lab, nodes, groups, network, artifacts, pki, security and its audit)", () => {
    const found = objects(schema);
    expect(found.map(([pointer]) => pointer)).toEqual([
      "#",
      "#/properties/artifacts",
      "#/properties/pki",
      "#/properties/security",
      "#/properties/security/properties/audit",
      "#/properties/network",
      "#/properties/nodes/items",
      "#/properties/nodes/items/properties/vm",
      "#/properties/groups/items",
      "#/properties/groups/items/properties/vm",
    ]);
    for (const [pointer, node] of found) expect({ pointer, additionalProperties: node.additionalProperties }).toEqual({ pointer, additionalProperties: false });
  });

  it("lets a lab file name its schema", () => {
    expect(props.$schema?.type).toBe("string");
  });

  it("is written as indented JSON with a final newline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kubelab-schema-"));
    try {
      const target = pathToFileURL(join(dir, "out", "lab.schema.json"));
      const written = await writeLabJsonSchema(target);
      expect(written).toBe(join(dir, "out", "lab.schema.json"));
      const content = await readFile(target, "utf8");
      expect(content).toBe(labJsonSchemaText());
      expect(content).toMatch(/^\{\n {2}"\$schema"/);
      expect(content.endsWith("}\n")).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
