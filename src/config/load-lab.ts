/**
 * Loading a lab file: strict YAML parsing, the schema, then the semantic rules of `validate-lab.ts`.
 * Every problem is positioned at the YAML node it concerns and all of them are reported at once,
 * so a user fixes a file in one round instead of one problem per run.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, visit, type Document, type YAMLError } from "yaml";
import { z } from "zod";
import { UserError, errorMessage } from "../errors.js";
import { labObjectSchema, labSchema, type Lab, type NodeGroup } from "./lab-schema.js";
import { LabFileError, type Problem } from "./problem.js";
import { validateLab, type SemanticProblem } from "./validate-lab.js";

/** A lab file that loaded: the lab with defaults applied, and the warnings found on the way. */
export interface LoadedLab {
  /** The lab, with the schema's defaults applied. */
  lab: Lab;
  /** The file, as the caller named it. */
  file: string;
  /** Problems of severity "warning", in file order. */
  warnings: Problem[];
}

/** Options of {@link parseLab} and {@link loadLabFile}. */
export interface LoadLabOptions {
  /**
   * Node counts by group prefix (`lab up --scale PREFIX=N`). Each replaces the `count` of the
   * group with that prefix before the lab is checked, so a count the group cannot take is reported
   * like one written in the file, at the group's `count`; a prefix no group has is a problem too.
   */
  scale?: Readonly<Record<string, number>>;
}

type Path = Problem["path"];
type Issue = z.core.$ZodIssue;
type Position = Pick<Problem, "line" | "col">;

/**
 * Reads and loads a lab file.
 * @throws UserError when the file cannot be read; LabFileError when it has errors.
 */
export async function loadLabFile(path: string, options: LoadLabOptions = {}): Promise<LoadedLab> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    const { reason, hint } = readFailure(cause);
    throw new UserError(`failed to read lab file ${path}: ${reason}`, { hint, cause });
  }
  return parseLab(text, path, options);
}

function readFailure(cause: unknown): { reason: string; hint: string } {
  switch ((cause as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return { reason: "no such file", hint: "check the path; kubelab's example labs are in its labs/ folder" };
    case "EISDIR":
      return { reason: "it is a directory", hint: "name the lab's YAML file itself, not its folder" };
    case "EACCES":
    case "EPERM":
      return { reason: "permission denied", hint: "make the file readable by the current user" };
    default:
      return { reason: errorMessage(cause), hint: "check that the file exists and is readable" };
  }
}

/**
 * Loads a lab from the text of a lab file; `fileName` is only used in problems.
 * @throws LabFileError with every problem (errors and warnings) when any problem is an error.
 */
export function parseLab(text: string, fileName: string, options: LoadLabOptions = {}): LoadedLab {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, strict: true, lineCounter });
  const locator = new Locator(doc, lineCounter);
  const at: Locate = (path, severity, message, hint, target = "value") => problem(fileName, locator.at(path, target), path, severity, message, hint);

  const problems: Problem[] = [
    ...doc.errors.map((e) => yamlProblem(fileName, doc, e, "error")),
    ...doc.warnings.map((e) => yamlProblem(fileName, doc, e, "warning")),
  ];
  // Past syntax errors the structure is a guess; duplicate keys leave it intact.
  const broken = doc.errors.some((e) => e.code !== "DUPLICATE_KEY");
  const { lab, problems: found } = broken ? { lab: undefined, problems: [] } : checkDocument(doc, at, options.scale ?? {});
  problems.push(...found);

  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  if (lab === undefined || problems.some((p) => p.severity === "error")) throw new LabFileError(fileName, problems);
  return { lab, file: fileName, warnings: problems };
}

/** The schema and semantic problems of a well-formed document, and its lab when the schema accepts it. */
function checkDocument(doc: Document, at: Locate, scale: Scale): { lab: Lab | undefined; problems: Problem[] } {
  let input: unknown;
  try {
    input = doc.toJS();
  } catch (error) {
    // The yaml package refuses to expand too many aliases (a "billion laughs" document).
    const message = `invalid YAML: ${lowerFirst(errorMessage(error))}`;
    return { lab: undefined, problems: [at([], "error", message, "write the lab with plain values: anchors and aliases are rarely needed")] };
  }
  const scaleProblems = applyScale(input, scale, at);
  const parsed = labSchema.safeParse(input, { reportInput: true, error: issueMessage });
  // A group count set by --scale is not the value written in the file: say so, and point at the key.
  const located = (p: SemanticProblem): Problem => {
    const index = groupCountIndex(p.path);
    const prefix = index === undefined ? undefined : prefixOf(valueAt(input, ["groups", index]));
    if (prefix === undefined || !Object.hasOwn(scale, prefix)) return at(p.path, p.severity, p.message, p.hint);
    const count = scale[prefix]!;
    return at(p.path, p.severity, p.message.replace(`count ${count} `, `count ${count} (from ${scaleFlag(prefix, count)}) `), p.hint, "key");
  };
  if (parsed.success) {
    return { lab: parsed.data, problems: [...scaleProblems, ...validateLab(parsed.data, groupsOf(input)).map(located)] };
  }
  const issues = parsed.error.issues;
  const noNodes = issues.some(isNoNodeIssue) || !hasNodes(input) ? [noNodeProblem(input, scale, at)] : [];
  return {
    lab: undefined,
    problems: [
      ...scaleProblems,
      ...issues.filter((issue) => !isNoNodeIssue(issue)).flatMap((issue) => groupCountProblems(issue, input, scale, at) ?? issueProblems(issue, at)),
      ...noNodes,
      ...semanticProblemsDespite(input, issues).map(located),
    ],
  };
}

/** The groups of a lab the schema accepts, as it reads them (with their defaults). */
function groupsOf(input: unknown): NodeGroup[] {
  return labObjectSchema.safeParse(input).data?.groups ?? [];
}

function problem(file: string, position: Position, path: Path, severity: Problem["severity"], message: string, hint: string | undefined): Problem {
  const p: Problem = { file, line: position.line, col: position.col, path, severity, message };
  if (hint !== undefined) p.hint = hint;
  return p;
}

/** Whether a path locates a value or the key naming it. */
type Target = "value" | "key";

/** Turns paths of the lab into positions in its file. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * The position of the value at `path` (or of its key). A value that is not in the file (a
   * default) is positioned at its deepest ancestor that is; an empty value at its key.
   */
  at(path: Path, target: Target): Position {
    return this.lines.linePos(this.offset(path, target));
  }

  private offset(path: Path, target: Target): number {
    let node: unknown = this.doc.contents;
    let offset = start(node) ?? 0;
    for (const [i, segment] of path.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.findLast((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) break;
        const keyStart = start(pair.key) ?? offset;
        const valueStart = start(pair.value);
        if ((target === "key" && i === path.length - 1) || valueStart === undefined) return keyStart;
        node = pair.value;
        offset = valueStart;
      } else if (isSeq(node) && typeof segment === "number") {
        const item: unknown = node.items[segment];
        const itemStart = start(item);
        if (itemStart === undefined) break;
        node = item;
        offset = itemStart;
      } else break;
    }
    return offset;
  }
}

/** Where a node starts in the source; undefined for no node or an empty value (`key:`). */
function start(node: unknown): number | undefined {
  if (!isNode(node) || node.range == null) return undefined;
  const [from, valueEnd] = node.range;
  return isScalar(node) && node.value === null && from === valueEnd ? undefined : from;
}

// --- YAML errors --------------------------------------------------------------------------------

const YAML_HINTS: Partial<Record<YAMLError["code"], string>> = {
  TAB_AS_INDENT: "indent with spaces, not tabs",
  MULTIPLE_DOCS: "remove the '---' separator and the documents after it",
  DUPLICATE_KEY: "a key may appear only once in a mapping: remove or merge the repeated one",
  TAG_RESOLVE_FAILED: "remove the tag: lab files need no YAML tags",
};

function yamlProblem(file: string, doc: Document, e: YAMLError, severity: Problem["severity"]): Problem {
  const position = e.linePos?.[0] ?? { line: 1, col: 1 };
  const hint = YAML_HINTS[e.code] ?? "check the indentation, quoting and brackets around this position";
  return problem(file, position, [], severity, yamlMessage(doc, e, severity), hint);
}

function yamlMessage(doc: Document, e: YAMLError, severity: Problem["severity"]): string {
  switch (e.code) {
    case "DUPLICATE_KEY":
      return `duplicate key "${keyStartingAt(doc, e.pos[0])}"`;
    case "MULTIPLE_DOCS":
      return "a lab file holds one YAML document, this one has several";
    default: {
      // prettyErrors appends " at line L, column C:" and an excerpt; the position is reported apart.
      const text = e.message.replace(/ at line \d+, column \d+[\s\S]*$/, "");
      return severity === "error" ? `invalid YAML: ${lowerFirst(text)}` : lowerFirst(text);
    }
  }
}

/** Messages of problems start in lower case; the yaml package's start in upper case. */
function lowerFirst(text: string): string {
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

function keyStartingAt(doc: Document, offset: number): string {
  let key = "";
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        key = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return key;
}

// --- Schema issues -------------------------------------------------------------------------------

/** How the schema's types read to someone writing YAML. */
const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

/** A value as the message shows it. */
function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** What a YAML value is, for "got ..." messages. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${TYPE_NAMES[typeof value] ?? typeof value} (${show(value)})`;
}

/**
 * Messages for the schema's issues that carry no message of their own (the schema's own messages,
 * like "a node needs at least one role", take precedence over this map).
 */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describe(issue.input)}`;
    case "invalid_value":
      return `${show(issue.input)} is not one of the allowed values`;
    case "too_small":
      return issue.origin === "array" ? `expected at least ${issue.minimum} entries` : `${show(issue.input)} is too small: the minimum is ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array" ? `expected at most ${issue.maximum} entries` : `${show(issue.input)} is too large: the maximum is ${issue.maximum}`;
    case "invalid_format":
      return `expected the format ${issue.pattern ?? issue.format}`;
    default:
      return undefined;
  }
}

type Locate = (path: Path, severity: Problem["severity"], message: string, hint: string | undefined, target?: Target) => Problem;

/** `nodes[0].roles[1]`. */
function displayPath(path: Path): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function toPath(path: readonly PropertyKey[]): Path {
  return path.map((s) => (typeof s === "number" ? s : String(s)));
}

/** The problems of one schema issue (one per key for unknown keys). */
function issueProblems(issue: Issue, at: Locate): Problem[] {
  const path = toPath(issue.path);
  const where = path.length > 0 ? ` in ${displayPath(path)}` : "";
  const prefix = path.length > 0 ? `${displayPath(path)}: ` : "";
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = Object.keys(objectShapeAt(path));
      return issue.keys.map((key) => {
        const close = closest(key, known);
        const hint = close !== undefined ? `did you mean "${close}"?` : `known keys: ${known.join(", ")}`;
        return at([...path, key], "error", `unknown key "${key}"${where}`, hint, "key");
      });
    }
    case "invalid_type": {
      if (path.length === 0) return [rootProblem(issue.input, at)];
      if (issue.input === undefined) {
        const parent = path.slice(0, -1);
        const key = String(path.at(-1));
        const description = describedAt(path);
        const inParent = parent.length > 0 ? ` in ${displayPath(parent)}` : "";
        return [at(parent, "error", `missing required key "${key}"${inParent}`, description === undefined ? `add "${key}"` : `add "${key}": ${description}`)];
      }
      return [at(path, "error", `${prefix}${issue.message}`, typeHint(issue, path))];
    }
    case "invalid_value": {
      const allowed = issue.values.map(String);
      const close = typeof issue.input === "string" ? closest(issue.input, allowed) : undefined;
      const list = `allowed values: ${allowed.join(", ")}`;
      return [at(path, "error", `${prefix}${issue.message}`, close === undefined ? list : `did you mean "${close}"? ${list}`)];
    }
    case "invalid_format":
      return [at(path, "error", `${prefix}${issue.message}, got ${show(issue.input)}`, descriptionHint(path))];
    case "too_small": {
      const entries = issue.minimum === 1 ? "one entry" : `${issue.minimum} entries`;
      const fallback = issue.origin === "array" ? `add at least ${entries}` : undefined;
      return [at(path, "error", `${prefix}${issue.message}`, descriptionHint(path) ?? fallback)];
    }
    default:
      return [at(path, "error", `${prefix}${issue.message}`, descriptionHint(path))];
  }
}

/** The keys a lab needs at least. */
function requiredKeys(): string[] {
  return Object.entries(labObjectSchema.shape)
    .filter(([key]) => !isOptionalAt([key]))
    .map(([key]) => key);
}

function rootProblem(input: unknown, at: Locate): Problem {
  const hint = `a lab needs at least ${requiredKeys().join(", ")}, and nodes or groups; kubelab's labs/ folder has examples`;
  if (input === null || input === undefined) return at([], "error", "the lab file is empty", hint);
  return at([], "error", `the lab file must be a mapping of keys, got ${describe(input)}`, hint);
}

function typeHint(issue: z.core.$ZodIssueInvalidType, path: Path): string | undefined {
  const { expected, input } = issue;
  if (input === null) {
    const key = String(path.at(-1));
    return isOptionalAt(path) ? `give ${key} a value, or remove it to use its default` : `give ${key} a value`;
  }
  if (expected === "string" && (typeof input === "number" || typeof input === "boolean")) {
    return `YAML reads this value as ${TYPE_NAMES[typeof input]}: put it in quotes to make it a string`;
  }
  if (expected === "array" && (typeof input === "string" || typeof input === "number")) {
    return `write a list, e.g. [${String(input)}]`;
  }
  return descriptionHint(path);
}

function descriptionHint(path: Path): string | undefined {
  const description = describedAt(path);
  const key = path.at(-1);
  return description === undefined || key === undefined ? undefined : `${key}: ${description}`;
}

/** The schema of the value at `path`, as declared (with its default or optional wrapper). */
function schemaAt(path: Path): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType = labObjectSchema;
  for (const segment of path) {
    const inner = unwrap(schema);
    let next: z.core.$ZodType | undefined;
    if (inner instanceof z.ZodObject && typeof segment === "string") next = inner.shape[segment];
    else if (inner instanceof z.ZodArray && typeof segment === "number") next = inner.element;
    if (next === undefined) return undefined;
    schema = next;
  }
  return schema;
}

/** The description of the value at `path`, from the schema's `.describe()`. */
function describedAt(path: Path): string | undefined {
  const schema = schemaAt(path);
  return schema === undefined ? undefined : z.globalRegistry.get(schema)?.description;
}

/** True when the value at `path` may be left out (it is optional or has a default). */
function isOptionalAt(path: Path): boolean {
  const schema = schemaAt(path);
  return schema !== undefined && z.safeParse(schema, undefined).success;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap();
  return inner;
}

/** The properties of the object schema at `path` (none when it is not an object). */
function objectShapeAt(path: Path): Record<string, z.core.$ZodType> {
  const schema = schemaAt(path);
  const inner = schema === undefined ? undefined : unwrap(schema);
  return inner instanceof z.ZodObject ? inner.shape : {};
}

/** The candidate closest to `word` by edit distance, when it is close enough to be a typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

// --- Groups, --scale and the lab's nodes ----------------------------------------------------------

/** Node counts by group prefix, from `--scale`. */
type Scale = Readonly<Record<string, number>>;

/** `--scale fed-node=9`. */
function scaleFlag(prefix: string, count: number): string {
  return `--scale ${prefix}=${count}`;
}

/** The prefix of a group as written, when it has one. */
function prefixOf(group: unknown): string | undefined {
  return isRecord(group) && typeof group.prefix === "string" ? group.prefix : undefined;
}

/**
 * Sets the count of every group `scale` names, in the raw input, so the schema and the semantic
 * rules check the scaled lab. Returns the problems of prefixes that name no group.
 */
function applyScale(input: unknown, scale: Scale, at: Locate): Problem[] {
  const lab = isRecord(input) ? input : undefined;
  const groups: unknown[] = Array.isArray(lab?.groups) ? lab.groups : [];
  const prefixes = groups.flatMap((g) => prefixOf(g) ?? []);
  const problems: Problem[] = [];
  for (const [prefix, count] of Object.entries(scale)) {
    const scaled = groups.filter((g): g is Record<string, unknown> => prefixOf(g) === prefix);
    for (const group of scaled) group.count = count;
    if (scaled.length > 0) continue;
    const close = closest(prefix, prefixes);
    const known = prefixes.length === 0 ? undefined : `groups of this lab: ${prefixes.join(", ")}`;
    const hint =
      known === undefined
        ? `the lab has no groups: --scale sets the count of a group listed under "groups"; remove ${scaleFlag(prefix, count)}`
        : close === undefined
          ? `${known}; --scale takes a group's prefix`
          : `did you mean "${close}"? ${known}`;
    const path = lab !== undefined && "groups" in lab ? ["groups"] : [];
    problems.push(at(path, "error", `${scaleFlag(prefix, count)}: the lab has no group "${prefix}"`, hint));
  }
  return problems;
}

/** `["groups", 2, "count"]` gives 2. */
function groupCountIndex(path: Path): number | undefined {
  const [key, index, field] = path;
  return key === "groups" && typeof index === "number" && field === "count" && path.length === 3 ? index : undefined;
}

/**
 * The problem of a group's count, in the terms of the group and of `--scale` when the count came
 * from it; undefined for issues about anything else (and for the type issues of a written count,
 * which the general messages cover).
 */
function groupCountProblems(issue: Issue, input: unknown, scale: Scale, at: Locate): Problem[] | undefined {
  const path = toPath(issue.path);
  const index = groupCountIndex(path);
  if (index === undefined) return undefined;
  const written = prefixOf(valueAt(input, ["groups", index]));
  const prefix = written ?? `groups[${index}]`;
  const scaled = written !== undefined && Object.hasOwn(scale, written);
  const group = isRecord(issue.input) ? issue.input : undefined;
  if (issue.code === "custom" && group !== undefined && typeof group.count === "number" && typeof group.max === "number") {
    const { count, max } = group;
    const from = scaled ? ` (from ${scaleFlag(prefix, count)})` : "";
    const hint = scaled
      ? `at most ${max} nodes; raise "max" in the lab file if the lab supports more`
      : `lower count to ${max} or less, or raise "max" if the lab supports more (at most 32)`;
    // A count from --scale is not the value written in the file: point at the key.
    return [at(path, "error", `group "${prefix}": count ${count}${from} is more than its max ${max}`, hint, scaled ? "key" : "value")];
  }
  // A written count of the wrong type or range reads well with the general messages.
  if (!scaled || typeof issue.input !== "number") return undefined;
  const count = issue.input;
  const what = issue.code === "too_small" ? "is less than 0" : Number.isInteger(count) ? `is not a valid count: ${issue.message}` : "is not a whole number";
  return [at(path, "error", `group "${prefix}": count ${count} (from ${scaleFlag(prefix, count)}) ${what}`, "--scale takes a whole number of nodes, 0 or more", "key")];
}

/** The issue of the schema's rule that a lab has at least one node. */
function isNoNodeIssue(issue: Issue): boolean {
  return issue.code === "custom" && issue.path.length === 1 && issue.path[0] === "nodes";
}

/**
 * Whether a lab, even one the schema rejects, may have a node: false only when it plainly has none
 * (no listed node and no group with a count), so that problem is reported with the others.
 */
function hasNodes(input: unknown): boolean {
  if (!isRecord(input)) return true; // The root problem says it all.
  const { nodes, groups } = input;
  const noneListed = nodes === undefined || (Array.isArray(nodes) && nodes.length === 0);
  const noneMade = groups === undefined || (Array.isArray(groups) && groups.every((g) => isRecord(g) && g.count === 0));
  return !(noneListed && noneMade);
}

/** "a lab needs at least one node", at `nodes`, else at `groups`, else at the top of the file. */
function noNodeProblem(input: unknown, scale: Scale, at: Locate): Problem {
  const lab = isRecord(input) ? input : {};
  const groups: unknown[] = Array.isArray(lab.groups) ? lab.groups : [];
  const path = "nodes" in lab ? ["nodes"] : "groups" in lab ? ["groups"] : [];
  const scaled = groups.flatMap((g) => prefixOf(g) ?? []).filter((p) => scale[p] === 0);
  const why = groups.length === 0 ? "" : `: its groups have a count of 0${scaled.length > 0 ? ` (${scaled.map((p) => scaleFlag(p, 0)).join(", ")})` : ""}`;
  const hint = 'list a node under "nodes", or add a group under "groups" with a count of 1 or more';
  return at(path, "error", `a lab needs at least one node${why}`, hint);
}

// --- Semantic problems of a lab with schema errors -----------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasPrefix(path: Path, prefix: Path): boolean {
  return prefix.every((segment, i) => path[i] === segment);
}

/**
 * The semantic problems of a lab that failed the schema, so that they are reported in the same
 * round. Only possible when every issue concerns an unknown key or an optional value: those are
 * dropped (optional values fall back to their defaults) and the rest of the lab is checked.
 * Problems about the dropped values themselves are left out.
 */
function semanticProblemsDespite(input: unknown, issues: readonly Issue[]): SemanticProblem[] {
  const repaired = structuredClone(input);
  const dropped: Path[] = [];
  for (const issue of issues) {
    const path = toPath(issue.path);
    const parentPath = issue.code === "unrecognized_keys" ? path : path.slice(0, -1);
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [path.at(-1)];
    const parent = valueAt(repaired, parentPath);
    for (const key of keys) {
      if (!isRecord(parent) || typeof key !== "string") return [];
      const optional = issue.code === "unrecognized_keys" || isOptionalAt([...parentPath, key]);
      if (!optional) return [];
      delete parent[key];
      dropped.push([...parentPath, key]);
    }
  }
  const parsed = labSchema.safeParse(repaired);
  if (!parsed.success) return [];
  return validateLab(parsed.data, groupsOf(repaired)).filter((p) => !dropped.some((d) => hasPrefix(p.path, d)));
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isRecord(current) && typeof segment === "string") current = current[segment];
    else return undefined;
  }
  return current;
}
