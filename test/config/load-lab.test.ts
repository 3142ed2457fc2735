/**
 * Loading lab files: YAML syntax, the schema, positions of every problem, and the fixtures under
 * test/fixtures/labs (valid-*.yaml must load, invalid-*.yaml must report exactly their problems).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CHECK_IDS } from "../../src/config/lab-schema.js";
import { loadLabFile, parseLab } from "../../src/config/load-lab.js";
import { LabFileError, type Problem } from "../../src/config/problem.js";
import { UserError } from "../../src/errors.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/labs/", import.meta.url));
const HA_ETCD = fileURLToPath(new URL("../../labs/ha-etcd.yaml", import.meta.url));

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

/** Every problem of a lab file loaded with `--scale`. */
function scaledProblemsOf(lines: string[], scale: Record<string, number>): Problem[] {
  try {
    return parseLab(text(lines), "lab.yaml", { scale }).warnings;
  } catch (error) {
    if (error instanceof LabFileError) return error.problems;
    throw error;
  }
}

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
        hint: "known keys: $schema, name, description, provider, box, kubernetesVersion, controlPlane, artifacts, pki, security, network, nodes, groups, addons, checks",
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
    name: "a lab with an empty node list and no groups, pointing at the list",
    lines: [...HEAD, "nodes: []"],
    expected: [{ line: 3, col: 8, message: "a lab needs at least one node", hint: 'list a node under "nodes", or add a group under "groups" with a count of 1 or more' }],
  },
  {
    name: "a lab with neither nodes nor groups, pointing at the top-level mapping",
    lines: ["# no nodes", ...HEAD],
    expected: [{ line: 2, col: 1, message: "a lab needs at least one node", hint: 'list a node under "nodes", or add a group under "groups"' }],
  },
  {
    name: "a lab whose only group has a count of 0, pointing at the groups",
    lines: [...HEAD, "groups:", "  - {prefix: node-, roles: [etcd, controlplane, worker], count: 0}"],
    expected: [{ line: 4, col: 3, message: "a lab needs at least one node: its groups have a count of 0", hint: 'add a group under "groups" with a count of 1 or more' }],
  },
  {
    name: "a lab without nodes that has other schema problems too",
    lines: ["name: demo", "kubernetesVersion: 1.20"],
    expected: [
      { line: 1, col: 1, message: "a lab needs at least one node", hint: 'list a node under "nodes"' },
      { line: 2, col: 20, message: "kubernetesVersion: expected a string", hint: "put it in quotes" },
    ],
  },
  {
    name: "an empty value with a default, pointing at its key",
    lines: [...HEAD, "network:", "nodes:", ALL_ROLES],
    expected: [{ line: 3, col: 1, message: "network: expected a mapping, got nothing", hint: "give network a value, or remove it to use its default" }],
  },
  {
    name: "an empty required value",
    lines: ["name: demo", "kubernetesVersion:", "nodes:", ALL_ROLES],
    expected: [{ line: 2, col: 1, message: "kubernetesVersion: expected a string, got nothing", hint: "give kubernetesVersion a value" }],
  },
  {
    name: "an empty node list, pointing at its key",
    lines: [...HEAD, "nodes:"],
    expected: [{ line: 3, col: 1, message: "nodes: expected a list, got nothing", hint: "give nodes a value, or remove it to use its default" }],
  },
  {
    name: "a misspelt overlay",
    lines: [...HEAD, "network:", "  overlay: vxln", "nodes:", ALL_ROLES],
    expected: [{ line: 4, col: 12, message: 'network.overlay: "vxln" is not one of the allowed values', hint: 'did you mean "vxlan"? allowed values: routes, vxlan, flannel' }],
  },
  {
    name: "an unknown key of a group, pointing at the key",
    lines: [...HEAD, "groups:", "  - {prefix: n, roles: [etcd, controlplane, worker], count: 1, cout: 2}"],
    expected: [{ line: 4, col: 64, message: 'unknown key "cout" in groups[0]', hint: 'did you mean "count"?' }],
  },
  {
    name: "a group without roles",
    lines: [...HEAD, "groups:", "  - {prefix: n, roles: [], count: 1}"],
    expected: [{ line: 4, col: 24, message: "groups[0].roles: a group needs at least one role", hint: "roles: the roles of every node of the group" }],
  },
  {
    name: "a group count over its max, written in the file",
    lines: [...HEAD, "groups:", "  - prefix: node-", "    roles: [etcd, controlplane, worker]", "    count: 9"],
    expected: [{ line: 6, col: 12, message: 'group "node-": count 9 is more than its max 8', hint: 'lower count to 8 or less, or raise "max"' }],
  },
  {
    name: "a group max over 32",
    lines: [...HEAD, "groups:", "  - {prefix: n, roles: [etcd, controlplane, worker], count: 1, max: 40}"],
    expected: [{ line: 4, col: 69, message: "groups[0].max: 40 is too large: the maximum is 32", hint: "max: the most nodes this lab supports in the group" }],
  },
  {
    name: "a misspelt PKI style",
    lines: [...HEAD, "pki: {style: shard}", "nodes:", ALL_ROLES],
    expected: [{ line: 3, col: 14, message: 'pki.style: "shard" is not one of the allowed values', hint: 'did you mean "shared"? allowed values: per-component, shared' }],
  },
  {
    name: "a PKI style close to no allowed one",
    lines: [...HEAD, "pki:", "  style: kubeadm", "nodes:", ALL_ROLES],
    expected: [{ line: 4, col: 10, message: 'pki.style: "kubeadm" is not one of the allowed values', hint: "allowed values: per-component, shared" }],
  },
  {
    name: "an unknown key of the PKI settings",
    lines: [...HEAD, "pki: {stlye: shared}", "nodes:", ALL_ROLES],
    expected: [{ line: 3, col: 7, message: 'unknown key "stlye" in pki', hint: 'did you mean "style"?' }],
  },
  {
    name: "a misspelt key algorithm",
    lines: [...HEAD, "pki: {keyAlgorithm: ecdas}", "nodes:", ALL_ROLES],
    expected: [{ line: 3, col: 21, message: 'pki.keyAlgorithm: "ecdas" is not one of the allowed values', hint: 'did you mean "ecdsa"? allowed values: rsa, ecdsa' }],
  },
  {
    name: "a misspelt load balancer role",
    lines: [...HEAD, "nodes:", ALL_ROLES, "  - {name: lb, roles: [loadbalancr]}"],
    expected: [{ line: 5, col: 24, message: 'nodes[1].roles[0]: "loadbalancr" is not one of the allowed values', hint: 'did you mean "loadbalancer"? allowed values: etcd, controlplane, worker, loadbalancer' }],
  },
  {
    name: "group counts that are not a list",
    lines: [...HEAD, "groups:", "  - {prefix: n, roles: [etcd, controlplane, worker], count: 1, counts: 1}"],
    expected: [{ line: 4, col: 72, message: "groups[0].counts: expected a list, got a number (1)", hint: "write a list, e.g. [1]" }],
  },
  {
    name: "an empty file",
    lines: ["# nothing here"],
    expected: [{ line: 1, col: 1, message: "the lab file is empty", hint: "a lab needs at least name, kubernetesVersion, and nodes or groups" }],
  },
  {
    name: "a list instead of a mapping",
    lines: ["- name: demo"],
    expected: [{ line: 1, col: 1, message: "the lab file must be a mapping of keys, got a list", hint: "a lab needs at least name, kubernetesVersion, and nodes or groups" }],
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
        pki: { style: "per-component", keyAlgorithm: "rsa" },
        security: { kubeletBootstrap: "certificate", encryptionAtRest: "none", apiAnonymousAuth: true },
        network: { podCidr: "10.244.0.0/16", podSubnetPrefix: 24, serviceCidr: "10.96.0.0/24", clusterDomain: "cluster.local", overlay: "routes" },
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
      overlay: "routes",
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
    // Problems of nodes that groups make, positioned at their group.
    "invalid-groups.yaml": [
      { line: 8, col: 13, message: 'duplicate node name "worker2" (from group "worker"): node 1 of "nodes" has it too', hint: "rename the listed node, or change the group's prefix" },
      { line: 9, col: 21, severity: "warning", message: 'group "worker" lists role worker twice', hint: "remove the repeated role" },
      { line: 11, col: 13, message: 'node name "Edge_1" (from group "Edge_") is not a valid hostname', hint: 'e.g. "edge-"' },
    ],
    // A load-balanced lab: the load balancer rules, a count its group does not support, and a
    // misspelt PKI style (a schema error that leaves the semantic rules to run with the default).
    "invalid-loadbalancer.yaml": [
      { line: 6, col: 10, message: 'pki.style: "share" is not one of the allowed values', hint: 'did you mean "shared"? allowed values: per-component, shared' },
      { line: 9, col: 12, message: 'node "lb1" is a load balancer and worker', hint: "give it a node of its own" },
      { line: 11, col: 12, message: "the lab has 2 load balancers", hint: "keep one node with role loadbalancer" },
      { line: 15, col: 12, message: 'group "etcd": count 4 is not one this lab supports (1, 2, 3, 5)', hint: "etcd needs an odd number of members" },
      { line: 15, col: 12, severity: "warning", message: "the lab has 4 etcd members", hint: "use 3 or 5" },
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

describe("groups", () => {
  /** A lab with a listed control plane node and a group of workers (prefix on line 6, count on line 8). */
  const GROUPED = [
    ...HEAD,
    "nodes:",
    "  - {name: cp, roles: [etcd, controlplane]}",
    "groups:",
    "  - prefix: fed-node",
    "    roles: [worker]",
    "    count: 3",
  ];

  it("expands each group into nodes named by its prefix and a number from 1, after the listed nodes, in group order", () => {
    const { lab, warnings } = parseLab(
      text([...HEAD, "nodes:", "  - {name: cp, roles: [etcd, controlplane]}", "groups:", "  - {prefix: w-, roles: [worker], count: 2}", "  - {prefix: x, roles: [worker], count: 1}"]),
      "lab.yaml",
    );
    expect(warnings).toEqual([]);
    expect(lab.nodes.map((n) => n.name)).toEqual(["cp", "w-1", "w-2", "x1"]);
    expect(lab).not.toHaveProperty("groups");
  });

  it("gives every node of a group the group's roles, as a list of its own", () => {
    const { lab } = parseLab(text([...HEAD, "groups:", "  - {prefix: n, roles: [etcd, controlplane, worker], count: 2}"]), "lab.yaml");
    expect(lab.nodes).toEqual([
      { name: "n1", roles: ["etcd", "controlplane", "worker"] },
      { name: "n2", roles: ["etcd", "controlplane", "worker"] },
    ]);
    expect(lab.nodes[0]?.roles).not.toBe(lab.nodes[1]?.roles);
  });

  it("makes no node for a group with a count of 0", () => {
    const { lab } = parseLab(text([...GROUPED.slice(0, -1), "    count: 0", "  - {prefix: w, roles: [worker], count: 1}"]), "lab.yaml");
    expect(lab.nodes.map((n) => n.name)).toEqual(["cp", "w1"]);
  });

  it("positions problems of the names a group makes at its prefix, naming the node", () => {
    const problems = problemsOf(text([...HEAD, "groups:", "  - {prefix: Fed_Node, roles: [etcd, controlplane, worker], count: 3}"]));
    expectProblems(problems, [
      {
        line: 4,
        col: 14,
        message: 'node name "Fed_Node1" (from group "Fed_Node") is not a valid hostname',
        hint: "use lower-case letters, digits and '-' in the prefix, starting with a letter or digit (the group's number ends each name), e.g. \"fed-node\"",
      },
    ]);
    expect(problems[0]?.path).toEqual(["groups", 0, "prefix"]);
  });

  it("reports a listed node and a group node of the same name, at the group", () => {
    const problems = problemsOf(text([...GROUPED.slice(0, 4), "  - {name: fed-node2, roles: [worker]}", ...GROUPED.slice(4)]));
    expectProblems(problems, [
      { line: 7, col: 13, message: 'duplicate node name "fed-node2" (from group "fed-node"): node 2 of "nodes" has it too', hint: "rename the listed node, or change the group's prefix" },
    ]);
  });

  it("reads the overlay, routes unless set", () => {
    expect(parseLab(text(GROUPED), "lab.yaml").lab.network.overlay).toBe("routes");
    const { lab } = parseLab(text([...HEAD, "network: {overlay: flannel}", ...GROUPED.slice(2)]), "lab.yaml");
    expect(lab.network.overlay).toBe("flannel");
  });

  describe("--scale", () => {
    it("sets the count of the group with that prefix", () => {
      const { lab, warnings } = parseLab(text(GROUPED), "lab.yaml", { scale: { "fed-node": 5 } });
      expect(warnings).toEqual([]);
      expect(lab.nodes.map((n) => n.name)).toEqual(["cp", "fed-node1", "fed-node2", "fed-node3", "fed-node4", "fed-node5"]);
    });

    it("takes the group's max, and 0", () => {
      expect(parseLab(text(GROUPED), "lab.yaml", { scale: { "fed-node": 8 } }).lab.nodes).toHaveLength(9);
      const allRoles = [...HEAD, "nodes:", ALL_ROLES, ...GROUPED.slice(4)];
      expect(parseLab(text(allRoles), "lab.yaml", { scale: { "fed-node": 0 } }).lab.nodes.map((n) => n.name)).toEqual(["n1"]);
    });

    it("reports a count over the group's max at its count key, saying it came from --scale", () => {
      const error = caught(() => parseLab(text(GROUPED), "labs/fed.yaml", { scale: { "fed-node": 9 } }));
      expect(error.exitCode).toBe(2);
      expect(error.problems).toEqual([
        {
          file: "labs/fed.yaml",
          line: 8,
          col: 5,
          path: ["groups", 0, "count"],
          severity: "error",
          message: 'group "fed-node": count 9 (from --scale fed-node=9) is more than its max 8',
          hint: 'at most 8 nodes; raise "max" in the lab file if the lab supports more',
        },
      ]);
    });

    it("reports a negative count and a fraction as coming from --scale", () => {
      expectProblems(scaledProblemsOf(GROUPED, { "fed-node": -1 }), [
        { line: 8, col: 5, message: 'group "fed-node": count -1 (from --scale fed-node=-1) is less than 0', hint: "--scale takes a whole number of nodes, 0 or more" },
      ]);
      expectProblems(scaledProblemsOf(GROUPED, { "fed-node": 1.5 }), [
        { line: 8, col: 5, message: 'group "fed-node": count 1.5 (from --scale fed-node=1.5) is not a whole number', hint: "a whole number of nodes" },
      ]);
    });

    it("reports a prefix no group has, at the groups, with the prefixes it has", () => {
      const error = caught(() => parseLab(text(GROUPED), "lab.yaml", { scale: { "fed-nod": 2, "fed-node": 4 } }));
      expect(error.exitCode).toBe(2);
      expectProblems(error.problems, [
        { line: 6, col: 3, message: '--scale fed-nod=2: the lab has no group "fed-nod"', hint: 'did you mean "fed-node"? groups of this lab: fed-node' },
      ]);
      expect(error.problems[0]?.path).toEqual(["groups"]);
    });

    it("reports a prefix for a lab without groups at the top of the file", () => {
      expectProblems(scaledProblemsOf([...HEAD, "nodes:", ALL_ROLES], { workers: 2 }), [
        { line: 1, col: 1, message: '--scale workers=2: the lab has no group "workers"', hint: "the lab has no groups" },
      ]);
    });

    it("says so when scaling every group to 0 leaves no node", () => {
      expectProblems(scaledProblemsOf([...HEAD, "groups:", "  - {prefix: n, roles: [etcd, controlplane, worker], count: 1}"], { n: 0 }), [
        { line: 4, col: 3, message: "a lab needs at least one node: its groups have a count of 0 (--scale n=0)", hint: "with a count of 1 or more" },
      ]);
    });

    it("applies to loadLabFile too", async () => {
      const { lab } = await loadLabFile(join(FIXTURES, "valid-groups.yaml"), { scale: { "edge-": 2 } });
      expect(lab.nodes.map((n) => n.name)).toEqual(["cp-1", "fed-node1", "fed-node2", "fed-node3", "edge-1", "edge-2"]);
      const error = await loadLabFile(join(FIXTURES, "valid-groups.yaml"), { scale: { "edge-": 5 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LabFileError);
      expectProblems(
        (error as LabFileError).problems,
        [{ line: 16, col: 5, message: 'group "edge-": count 5 (from --scale edge-=5) is more than its max 4', hint: "at most 4 nodes" }],
        join(FIXTURES, "valid-groups.yaml"),
      );
    });
  });

  it("valid-groups.yaml loads with its groups expanded and its overlay", async () => {
    const { lab, warnings } = await loadLabFile(join(FIXTURES, "valid-groups.yaml"));
    expect(warnings).toEqual([]);
    expect(lab.network.overlay).toBe("vxlan");
    expect(lab.nodes).toEqual([
      { name: "cp-1", roles: ["etcd", "controlplane"] },
      { name: "fed-node1", roles: ["worker"] },
      { name: "fed-node2", roles: ["worker"] },
      { name: "fed-node3", roles: ["worker"] },
    ]);
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

/**
 * labs/ha-etcd.yaml: a load balancer (listed), then groups etcd (count 2, max 5, counts 1, 2, 3, 5),
 * controller (2, max 3) and worker (2, max 5). Positions are looked up in the file, so comments
 * added to it do not break them.
 */
describe("labs/ha-etcd.yaml", () => {
  const lines = readFileSync(HA_ETCD, "utf8").split("\n");
  /** The 1-based number of the first line that is exactly `line`, at or after line `from`. */
  const lineOf = (line: string, from = 1): number => {
    const index = lines.findIndex((l, i) => i + 1 >= from && l === line);
    if (index < 0) throw new Error(`labs/ha-etcd.yaml has no line "${line}" from line ${from}`);
    return index + 1;
  };
  /** `- name: lb`, the first entry of `nodes`: where lab-wide role problems are positioned. */
  const NODES = lineOf("nodes:") + 1;
  const LB_ROLES = lineOf("    roles: [loadbalancer]", NODES);
  const countOf = (prefix: string): number => lineOf("    count: 2", lineOf(`  - prefix: ${prefix}`));
  const loaded = (scale: Record<string, number> = {}) => loadLabFile(HA_ETCD, { scale });
  const failed = async (scale: Record<string, number>): Promise<LabFileError> => {
    const error = await loaded(scale).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabFileError);
    expect((error as LabFileError).exitCode).toBe(2);
    return error as LabFileError;
  };
  /**
   * Where the etcd-count warning is: one group makes every member, so validate-lab puts it at
   * that group's count (its value; with --scale, its key, as the value is not what was loaded).
   */
  const ETCD_WARNING = { line: countOf("etcd"), col: 12, path: ["groups", 0, "count"] };
  const twoMembers: Expected = {
    line: ETCD_WARNING.line,
    col: ETCD_WARNING.col,
    severity: "warning",
    message: "the lab has 2 etcd members, which tolerate no more failures than 1: none, losing either member stops writes",
    hint: "an even number of members adds a member without adding fault tolerance: use 1 or 3",
  };

  it("has its groups where these tests look for them", () => {
    expect([NODES, LB_ROLES, countOf("etcd"), countOf("controller"), countOf("worker")]).toEqual([
      NODES,
      NODES + 1,
      lineOf("    counts: [1, 2, 3, 5]") - 2,
      lineOf("    max: 3") - 1,
      lineOf("    max: 5", countOf("worker")) - 1,
    ]);
  });

  it("loads with exactly one warning: its two etcd members", async () => {
    const { lab, warnings } = await loaded();
    expectProblems(warnings, [twoMembers], HA_ETCD);
    expect(warnings[0]?.path).toEqual(ETCD_WARNING.path);
    expect(lab.pki).toEqual({ style: "shared", keyAlgorithm: "rsa" });
    expect(lab.nodes.map((n) => `${n.name} [${n.roles.join(",")}]`)).toEqual([
      "lb [loadbalancer]",
      "etcd1 [etcd]",
      "etcd2 [etcd]",
      "controller1 [controlplane]",
      "controller2 [controlplane]",
      "worker1 [worker]",
      "worker2 [worker]",
    ]);
    expect(lab.checks).toEqual(expect.arrayContaining(["etcd-members", "loadbalancer", "leader-election"]));
  });

  it.each([1, 3, 5])("--scale etcd=%i loads without a warning", async (count) => {
    const { lab, warnings } = await loaded({ etcd: count });
    expect(warnings).toEqual([]);
    expect(lab.nodes.filter((n) => n.roles.includes("etcd")).map((n) => n.name)).toEqual(Array.from({ length: count }, (_, i) => `etcd${i + 1}`));
  });

  it("--scale etcd=4 is an error at the etcd group's count, the even-membership warning beside it", async () => {
    const error = await failed({ etcd: 4 });
    expect(error.message).toBe(`failed to load lab file ${HA_ETCD}: 2 problems`);
    // Both at the key of the count written in the file (2), and saying the 4 came from --scale.
    expectProblems(
      error.problems,
      [
        {
          line: countOf("etcd"),
          col: 5,
          message: 'group "etcd": count 4 (from --scale etcd=4) is not one this lab supports (1, 2, 3, 5)',
          hint: "choose one of 1, 2, 3, 5: etcd needs an odd number of members to gain fault tolerance",
        },
        { ...twoMembers, col: 5, message: "the lab has 4 etcd members, which tolerate no more failures than 3: one", hint: "use 3 or 5" },
      ],
      HA_ETCD,
    );
    expect(error.problems.map((p) => p.path)).toEqual([ETCD_WARNING.path, ETCD_WARNING.path]);
  });

  it("--scale etcd=6 is over the group's max", async () => {
    expectProblems(
      (await failed({ etcd: 6 })).problems,
      [{ line: countOf("etcd"), col: 5, message: 'group "etcd": count 6 (from --scale etcd=6) is more than its max 5', hint: "at most 5 nodes" }],
      HA_ETCD,
    );
  });

  it("--scale controller=3 loads, three API servers behind the load balancer", async () => {
    const { lab, warnings } = await loaded({ controller: 3 });
    expectProblems(warnings, [twoMembers], HA_ETCD);
    expect(lab.nodes.filter((n) => n.roles.includes("controlplane")).map((n) => n.name)).toEqual(["controller1", "controller2", "controller3"]);
  });

  it("--scale controller=4 is over the controllers' max of 3", async () => {
    expectProblems(
      (await failed({ controller: 4 })).problems,
      [
        {
          line: countOf("controller"),
          col: 5,
          message: 'group "controller": count 4 (from --scale controller=4) is more than its max 3',
          hint: 'at most 3 nodes; raise "max" in the lab file if the lab supports more',
        },
      ],
      HA_ETCD,
    );
  });

  it("--scale worker=5 loads; --scale worker=6 is over the workers' max of 5", async () => {
    expect((await loaded({ worker: 5 })).lab.nodes.filter((n) => n.roles.includes("worker"))).toHaveLength(5);
    expectProblems(
      (await failed({ worker: 6 })).problems,
      [{ line: countOf("worker"), col: 5, message: 'group "worker": count 6 (from --scale worker=6) is more than its max 5', hint: "at most 5 nodes" }],
      HA_ETCD,
    );
  });

  it("--scale controller=0 leaves the load balancer nothing to balance", async () => {
    expectProblems(
      (await failed({ controller: 0 })).problems,
      [
        { line: NODES, col: 3, message: "the lab has no node with role controlplane", hint: 'add "controlplane" to the roles of a node or a group' },
        { line: LB_ROLES, col: 12, message: "the lab has a load balancer but no controllers behind it", hint: "add nodes with role controlplane" },
        twoMembers,
      ],
      HA_ETCD,
    );
  });

  it("--scale of several groups at once, each checked", async () => {
    const error = await failed({ etcd: 4, controller: 3, worker: 0 });
    expect(error.problems.map((p) => [p.line, p.col, p.severity, p.message]).sort()).toEqual(
      [
        [NODES, 3, "error", "the lab has no node with role worker: nothing can run pods"],
        [countOf("etcd"), 5, "warning", "the lab has 4 etcd members, which tolerate no more failures than 3: one"],
        [countOf("etcd"), 5, "error", 'group "etcd": count 4 (from --scale etcd=4) is not one this lab supports (1, 2, 3, 5)'],
      ].sort(),
    );
  });
});
