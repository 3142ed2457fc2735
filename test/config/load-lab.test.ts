/**
 * Loading lab files: YAML syntax, the schema, positions of every problem, and the fixtures under
 * test/fixtures/labs (valid-*.yaml must load, invalid-*.yaml must report exactly their problems).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CHECK_IDS } from "../../src/config/lab-schema.js";
import { loadLabFile, parseLab } from "../../src/config/load-lab.js";
import { LabFileError, type Problem } from "../../src/config/problem.js";
import { UserError } from "../../src/errors.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/labs/", import.meta.url));

interface Expected {
  line: number;
  col: number;
  severity?: Problem["severity"];
  /** A fragment of the message. */
  message: string;
  /** A fragment of the hint. */
  hint: string;
}

interface Case {
  name: string;
  lines: string[];
  expected: Expected[];
}

function caught(run: () => unknown): LabFileError {
  try {
    run();
  } catch (error) {
    if (error instanceof LabFileError) return error;
    throw error;
  }
  throw new Error("expected a LabFileError");
}

/** Every problem of a lab file: the error's problems, or the warnings of a lab that loaded. */
function problemsOf(text: string, file = "lab.yaml"): Problem[] {
  try {
    return parseLab(text, file).warnings;
  } catch (error) {
    if (error instanceof LabFileError) return error.problems;
    throw error;
  }
}

function expectProblems(actual: Problem[], expected: Expected[], file = "lab.yaml"): void {
  expect(actual).toEqual(
    expected.map((e) =>
      expect.objectContaining({
        file,
        line: e.line,
        col: e.col,
        severity: e.severity ?? "error",
        message: expect.stringContaining(e.message),
        hint: expect.stringContaining(e.hint),
      }),
    ),
  );
}

const text = (lines: string[]): string => `${lines.join("\n")}\n`;

const HEAD = ["name: demo", "kubernetesVersion: v1.20.2"];
const ALL_ROLES = "  - {name: n1, roles: [etcd, controlplane, worker]}";

const yamlCases: Case[] = [
  {
    name: "a duplicate key",
    lines: ["name: demo", "name: other", ...HEAD.slice(1), "nodes:", ALL_ROLES],
    expected: [{ line: 2, col: 1, message: 'duplicate key "name"', hint: "a key may appear only once in a mapping" }],
  },
  {
    name: "a duplicate key in a flow mapping",
    lines: [...HEAD, "nodes:", "  - {name: n1, name: n2, roles: [etcd, controlplane, worker]}"],
    expected: [{ line: 4, col: 16, message: 'duplicate key "name"', hint: "remove or merge the repeated one" }],
  },
  {
    name: "several documents",
    lines: ["name: a", "---", "name: b"],
    expected: [{ line: 2, col: 1, message: "a lab file holds one YAML document, this one has several", hint: "remove the '---' separator" }],
  },
  {
    name: "an unterminated quote",
    lines: ['name: "demo', ...HEAD.slice(1)],
    expected: [{ line: 3, col: 1, message: 'invalid YAML: missing closing "quote', hint: "check the indentation, quoting and brackets" }],
  },
  {
    name: "aliases expanding without bound (a billion laughs)",
    lines: [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
    ],
    expected: [{ line: 1, col: 1, message: "invalid YAML: excessive alias count", hint: "write the lab with plain values" }],
  },
];

const schemaCases: Case[] = [
  {
    name: "an unknown key close to a known one",
    lines: [...HEAD, "provder: docker", "nodes:", ALL_ROLES],
    expected: [{ line: 3, col: 1, message: 'unknown key "provder"', hint: 'did you mean "provider"?' }],
  },
  {
    name: "an unknown key close to no known one",
    lines: [...HEAD, "color: blue", "nodes:", ALL_ROLES],
    expected: [
      {
        line: 3,
        col: 1,
        message: 'unknown key "color"',
        hint: "known keys: $schema, name, description, provider, kubernetesVersion, controlPlane, artifacts, network, nodes, addons, checks",
      },
    ],
  },
  {
    name: "an unknown key of a node, pointing at the key",
    lines: [...HEAD, "nodes:", "  - name: n1", "    roles: [etcd, controlplane, worker]", "    iP: 172.30.0.10"],
    expected: [{ line: 6, col: 5, message: 'unknown key "iP" in nodes[0]', hint: 'did you mean "ip"?' }],
  },
  {
    name: "an unknown key of the network",
    lines: [...HEAD, "network:", "  podcidr: 10.244.0.0/16", "nodes:", ALL_ROLES],
    expected: [{ line: 4, col: 3, message: 'unknown key "podcidr" in network', hint: 'did you mean "podCidr"?' }],
  },
  {
    name: "a missing key of the lab, pointing at the top-level mapping",
    lines: ["# a lab without a version", "name: demo", "nodes:", ALL_ROLES],
    expected: [{ line: 2, col: 1, message: 'missing required key "kubernetesVersion"', hint: 'add "kubernetesVersion": the Kubernetes release the lab runs' }],
  },
  {
    name: "a missing key of a node, pointing at the node",
    lines: [...HEAD, "nodes:", "  - name: n1", "    roles: [etcd, controlplane, worker]", "  - roles: [worker]"],
    expected: [{ line: 6, col: 5, message: 'missing required key "name" in nodes[1]', hint: "add \"name\": the node's hostname" }],
  },
  {
    name: "a misspelt role",
    lines: [...HEAD, "nodes:", "  - {name: n1, roles: [etcd, controlplane, wroker]}"],
    expected: [
      {
        line: 4,
        col: 44,
        message: 'nodes[0].roles[2]: "wroker" is not one of the allowed values',
        hint: 'did you mean "worker"? allowed values: etcd, controlplane, worker',
      },
    ],
  },
  {
    name: "a misspelt control plane mode",
    lines: [...HEAD, "controlPlane: static_pods", "nodes:", ALL_ROLES],
    expected: [{ line: 3, col: 15, message: 'controlPlane: "static_pods" is not one of the allowed values', hint: 'did you mean "static-pods"? allowed values: systemd, static-pods' }],
  },
  {
    name: "an unknown check",
    lines: [...HEAD, "nodes:", ALL_ROLES, "checks: [nodes-ready, dnss]"],
    expected: [{ line: 5, col: 23, message: 'checks[1]: "dnss" is not one of the allowed values', hint: `did you mean "dns"? allowed values: ${CHECK_IDS.join(", ")}` }],
  },
  {
    name: "a number where a string is expected",
    lines: ["name: demo", "kubernetesVersion: 1.20", "nodes:", ALL_ROLES],
    expected: [{ line: 2, col: 20, message: "kubernetesVersion: expected a string, got a number (1.2)", hint: "YAML reads this value as a number: put it in quotes to make it a string" }],
  },
  {
    name: "a version without its v",
    lines: ["name: demo", 'kubernetesVersion: "1.20.2"', "nodes:", ALL_ROLES],
    expected: [{ line: 2, col: 20, message: 'kubernetesVersion: expected a release version like "v1.20.2", got "1.20.2"', hint: "kubernetesVersion: the Kubernetes release the lab runs" }],
  },
  {
    name: "a string where a list is expected",
    lines: [...HEAD, "nodes:", "  - name: n1", "    roles: worker"],
    expected: [{ line: 5, col: 12, message: 'nodes[0].roles: expected a list, got a string ("worker")', hint: "write a list, e.g. [worker]" }],
  },
  {
    name: "a number over the maximum",
    lines: [...HEAD, "network:", "  podSubnetPrefix: 30", "nodes:", ALL_ROLES],
    expected: [{ line: 4, col: 20, message: "network.podSubnetPrefix: 30 is too large: the maximum is 28", hint: "podSubnetPrefix: prefix length of each node's slice of podCidr" }],
  },
  {
    name: "a number under the minimum",
    lines: [...HEAD, "network:", "  podSubnetPrefix: 8", "nodes:", ALL_ROLES],
    expected: [{ line: 4, col: 20, message: "network.podSubnetPrefix: 8 is too small: the minimum is 16", hint: "podSubnetPrefix: prefix length" }],
  },
  {
    name: "a fraction where a whole number is expected",
    lines: [...HEAD, "network:", "  podSubnetPrefix: 24.5", "nodes:", ALL_ROLES],
    expected: [{ line: 4, col: 20, message: "network.podSubnetPrefix: expected a whole number, got a number (24.5)", hint: "podSubnetPrefix: prefix length" }],
  },
  {
    name: "a node without roles",
    lines: [...HEAD, "nodes:", "  - {name: n1, roles: []}"],
    expected: [{ line: 4, col: 23, message: "nodes[0].roles: a node needs at least one role", hint: "roles: what runs on the node" }],
  },
  {
    name: "a lab without nodes",
    lines: [...HEAD, "nodes: []"],
    expected: [{ line: 3, col: 8, message: "nodes: a lab needs at least one node", hint: "add at least one entry" }],
  },
  {
    name: "an empty value with a default, pointing at its key",
    lines: [...HEAD, "network:", "nodes:", ALL_ROLES],
    expected: [{ line: 3, col: 1, message: "network: expected a mapping, got nothing", hint: "give network a value, or remove it to use its default" }],
  },
  {
    name: "an empty required value",
    lines: [...HEAD, "nodes:"],
    expected: [{ line: 3, col: 1, message: "nodes: expected a list, got nothing", hint: "give nodes a value" }],
  },
  {
    name: "an empty file",
    lines: ["# nothing here"],
    expected: [{ line: 1, col: 1, message: "the lab file is empty", hint: "a lab needs at least name, kubernetesVersion, nodes" }],
  },
  {
    name: "a list instead of a mapping",
    lines: ["- name: demo"],
    expected: [{ line: 1, col: 1, message: "the lab file must be a mapping of keys, got a list", hint: "a lab needs at least name, kubernetesVersion, nodes" }],
  },
];

describe("parseLab", () => {
  describe("YAML problems", () => {
    it.each(yamlCases)("$name", ({ lines, expected }) => {
      expectProblems(problemsOf(text(lines)), expected);
    });

    it("reports YAML warnings and still loads", () => {
      const loaded = parseLab(text(["name: !foo demo", ...HEAD.slice(1), "nodes:", ALL_ROLES]), "lab.yaml");
      expect(loaded.lab.name).toBe("demo");
      expectProblems(loaded.warnings, [{ line: 1, col: 7, severity: "warning", message: "unresolved tag: !foo", hint: "remove the tag" }]);
    });
  });

  describe("schema problems", () => {
    it.each(schemaCases)("$name", ({ lines, expected }) => {
      expectProblems(problemsOf(text(lines)), expected);
    });

    it("lists only the allowed values when none is close", () => {
      const [problem] = problemsOf(text([...HEAD, "provider: kvm", "nodes:", ALL_ROLES]));
      expect(problem).toMatchObject({ line: 3, col: 11, message: 'provider: "kvm" is not one of the allowed values', hint: "allowed values: docker, vagrant" });
    });
  });

  it("reports duplicate keys and schema problems together", () => {
    const problems = problemsOf(text(["name: demo", "name: again", "nodes:", ALL_ROLES]));
    expectProblems(problems, [
      { line: 1, col: 1, message: 'missing required key "kubernetesVersion"', hint: "add" },
      { line: 2, col: 1, message: 'duplicate key "name"', hint: "a key may appear only once" },
    ]);
  });

  it("also checks the semantic rules when the schema problems concern only optional values", () => {
    const problems = problemsOf(
      text([...HEAD, "provider: kvm", "network: {nodeSubnet: 172.30.0.0/24}", "nodes:", "  - {name: n1, roles: [etcd, controlplane, worker], ip: 10.0.0.5}"]),
    );
    expectProblems(problems, [
      { line: 3, col: 11, message: 'provider: "kvm" is not one of the allowed values', hint: "allowed values" },
      { line: 6, col: 57, message: "node IP 10.0.0.5 is outside the node subnet 172.30.0.0/24", hint: "pick an address inside" },
    ]);
  });

  it("leaves out semantic problems about values the schema rejected", () => {
    const problems = problemsOf(text([...HEAD, "nodes:", "  - {name: n1, roles: [etcd, controlplane, worker], ip: 5}"]));
    expectProblems(problems, [{ line: 4, col: 57, message: "nodes[0].ip: expected a string, got a number (5)", hint: "put it in quotes" }]);
  });

  it("skips the semantic rules when a required value is wrong", () => {
    const problems = problemsOf(text([...HEAD, "nodes:", "  - {roles: [etcd, controlplane]}"]));
    expectProblems(problems, [{ line: 4, col: 5, message: 'missing required key "name" in nodes[0]', hint: 'add "name"' }]);
  });

  it("positions values reached through an alias at the anchor", () => {
    const problems = problemsOf(text([...HEAD, "x-roles: &all [etcd, controlplane, wroker]", "nodes:", "  - {name: n1, roles: *all}"]));
    expect(problems.map((p) => [p.line, p.col, p.message])).toEqual([
      [3, 1, 'unknown key "x-roles"'],
      [3, 36, 'nodes[0].roles[2]: "wroker" is not one of the allowed values'],
    ]);
  });

  it("returns the lab with defaults applied and the file name as given", () => {
    const loaded = parseLab(text([...HEAD, "nodes:", ALL_ROLES]), "labs/demo.yaml");
    expect(loaded).toEqual({
      file: "labs/demo.yaml",
      warnings: [],
      lab: {
        name: "demo",
        kubernetesVersion: "v1.20.2",
        provider: "docker",
        controlPlane: "systemd",
        artifacts: {},
        network: { podCidr: "10.244.0.0/16", podSubnetPrefix: 24, serviceCidr: "10.96.0.0/24", clusterDomain: "cluster.local" },
        nodes: [{ name: "n1", roles: ["etcd", "controlplane", "worker"] }],
        addons: [],
      },
    });
  });

  it("names the file as given in the error and its problems", () => {
    const error = caught(() => parseLab("name: 1\n", "labs/broken.yaml"));
    expect(error.message).toBe("failed to load lab file labs/broken.yaml: 3 problems");
    expect(error.exitCode).toBe(2);
    expect(error.problems.every((p) => p.file === "labs/broken.yaml")).toBe(true);
  });
});

describe("fixtures", () => {
  const valid = readdirSync(FIXTURES).filter((f) => f.startsWith("valid-"));
  const invalid = readdirSync(FIXTURES).filter((f) => f.startsWith("invalid-"));

  it("has valid and invalid fixtures", () => {
    expect(valid.length).toBeGreaterThanOrEqual(3);
    expect(invalid.length).toBeGreaterThanOrEqual(4);
  });

  it.each(valid)("%s loads", async (file) => {
    const loaded = await loadLabFile(join(FIXTURES, file));
    expect(loaded.file).toBe(join(FIXTURES, file));
    expect(loaded.warnings.filter((w) => w.severity !== "warning")).toEqual([]);
  });

  it.each(invalid)("%s fails with exit code 2", async (file) => {
    const error = await loadLabFile(join(FIXTURES, file)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabFileError);
    expect((error as LabFileError).exitCode).toBe(2);
  });

  it("valid-ha.yaml keeps every value it sets", async () => {
    const { lab, warnings } = await loadLabFile(join(FIXTURES, "valid-ha.yaml"));
    expect(warnings).toEqual([]);
    expect(lab.controlPlane).toBe("static-pods");
    expect(lab.network).toEqual({
      nodeSubnet: "172.30.0.0/24",
      podCidr: "10.244.0.0/16",
      podSubnetPrefix: 24,
      serviceCidr: "10.96.0.0/24",
      dnsIp: "10.96.0.53",
      clusterDomain: "lab.internal",
    });
    expect(lab.nodes.map((n) => [n.name, n.ip])).toEqual([
      ["cp-1", "172.30.0.11"],
      ["cp-2", undefined],
      ["cp-3", undefined],
      ["worker-1", "172.30.0.254"],
      ["worker-2", undefined],
    ]);
    expect(lab.addons).toEqual(["coredns"]);
    expect(lab.checks).toEqual(["etcd-health", "nodes-ready", "cluster-ip-service"]);
  });

  it("valid-with-warnings.yaml loads with its warnings", async () => {
    const file = join(FIXTURES, "valid-with-warnings.yaml");
    const { warnings } = await loadLabFile(file);
    expectProblems(
      warnings,
      [
        { line: 5, col: 3, severity: "warning", message: "the lab has 2 etcd members", hint: "use 1 or 3" },
        { line: 8, col: 27, severity: "warning", message: 'node "etcd-2" lists role worker twice', hint: "remove the repeated role" },
        { line: 9, col: 33, severity: "warning", message: 'check "nodes-ready" is listed twice', hint: "remove the repeated entry" },
      ],
      file,
    );
  });

  const expectations: Record<string, Expected[]> = {
    "invalid-syntax.yaml": [
      { line: 5, col: 1, message: "invalid YAML: tabs are not allowed as indentation", hint: "indent with spaces, not tabs" },
      { line: 6, col: 1, message: "invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]", hint: "check the indentation" },
    ],
    "invalid-schema.yaml": [
      { line: 1, col: 1, message: 'missing required key "kubernetesVersion"', hint: 'add "kubernetesVersion"' },
      { line: 2, col: 11, message: 'provider: "podman" is not one of the allowed values', hint: "allowed values: docker, vagrant" },
      { line: 4, col: 3, message: 'unknown key "podCIDR" in network', hint: 'did you mean "podCidr"?' },
      { line: 5, col: 20, message: "network.podSubnetPrefix: 30 is too large: the maximum is 28", hint: "podSubnetPrefix: prefix length" },
      { line: 8, col: 19, message: 'nodes[0].roles[1]: "master" is not one of the allowed values', hint: "allowed values: etcd, controlplane, worker" },
      { line: 9, col: 5, message: 'unknown key "address" in nodes[0]', hint: "known keys: name, roles, ip" },
      { line: 10, col: 5, message: 'missing required key "name" in nodes[1]', hint: 'add "name"' },
    ],
    "invalid-network.yaml": [
      { line: 4, col: 15, message: "nodeSubnet 10.96.0.0/24 overlaps serviceCidr 10.96.0.0/16", hint: "pick a nodeSubnet outside 10.96.0.0/16" },
      { line: 5, col: 12, message: 'podCidr "10.244.1.0/16" has host bits set: the network is 10.244.0.0/16', hint: "e.g. 10.244.0.0/16" },
      { line: 7, col: 10, message: "dnsIp 10.96.0.1 is the kubernetes Service address", hint: "leave dnsIp out to use 10.96.0.10" },
      { line: 8, col: 18, message: 'clusterDomain "Cluster_Local" is not a valid DNS name', hint: "e.g. cluster.local" },
    ],
    // Different kinds of problems at once: schema, semantic errors, and warnings.
    "invalid-many.yaml": [
      { line: 2, col: 7, message: 'lab name "Many_Problems" is not a valid name', hint: 'e.g. "many-problems"' },
      { line: 5, col: 1, message: 'unknown key "contolPlane"', hint: 'did you mean "controlPlane"?' },
      { line: 8, col: 10, message: "dnsIp 10.0.0.10 is outside serviceCidr 10.96.0.0/24", hint: "pick another address inside 10.96.0.0/24" },
      { line: 10, col: 3, message: "the lab has no node with role worker: nothing can run pods", hint: 'add "worker"' },
      { line: 10, col: 3, severity: "warning", message: "the lab has 2 etcd members", hint: "use 1 or 3" },
      { line: 12, col: 9, message: "node IP 10.0.0.5 is outside the node subnet 172.30.0.0/24", hint: 'or leave "ip" out to have one assigned' },
      { line: 13, col: 11, message: 'duplicate node name "cp": node 1 has it too', hint: "rename one of the nodes" },
      { line: 14, col: 19, severity: "warning", message: 'node "cp" lists role etcd twice', hint: "remove the repeated role" },
      { line: 15, col: 9, message: "node IP 172.30.0.255 is the broadcast address of the node subnet 172.30.0.0/24", hint: "are reserved" },
      { line: 16, col: 19, severity: "warning", message: 'addon "coredns" is listed twice', hint: "remove the repeated entry" },
    ],
  };

  it("covers every invalid fixture", () => {
    expect(Object.keys(expectations).sort()).toEqual([...invalid].sort());
  });

  it.each(Object.entries(expectations))("%s reports all of its problems at once, in file order", async (file, expected) => {
    const path = join(FIXTURES, file);
    const error = await loadLabFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabFileError);
    const { problems, message } = error as LabFileError;
    expect(message).toBe(`failed to load lab file ${path}: ${expected.length} problems`);
    expectProblems(problems, expected, path);
  });
});

describe("loadLabFile", () => {
  it("fails with a UserError and a hint when the file does not exist", async () => {
    const path = join(FIXTURES, "no-such-lab.yaml");
    const error = await loadLabFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error).not.toBeInstanceOf(LabFileError);
    expect(error).toMatchObject({ message: `failed to read lab file ${path}: no such file`, hint: expect.stringContaining("check the path"), exitCode: 1 });
  });

  it("fails with a UserError and a hint when given a directory", async () => {
    const error = await loadLabFile(FIXTURES).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: `failed to read lab file ${FIXTURES}: it is a directory`, hint: "name the lab's YAML file itself, not its folder" });
  });
});
