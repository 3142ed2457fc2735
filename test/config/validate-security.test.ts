/**
 * The lab file's `security` section: its defaults (a lab without it is as every lab was), what the
 * schema refuses (unknown keys, unknown cipher suites, out-of-range audit settings) and the rules
 * across fields (TLS bootstrapping and anonymous auth off need a systemd control plane; the
 * cipher suites must let HTTP/2 through for the lab's key kind; checks that need a hardening the lab
 * has not), each at its file:line:col with a hint, every problem at once. Table-driven: each case
 * is a small lab file and every problem it must produce, no more.
 */
import { describe, expect, it } from "vitest";
import { ENCRYPTION_AT_REST_MODES, KUBELET_BOOTSTRAP_MODES, TLS_CIPHER_SUITES, TLS_VERSIONS } from "../../src/config/lab-schema.js";
import { loadLabFile, parseLab } from "../../src/config/load-lab.js";
import { LabFileError, type Problem } from "../../src/config/problem.js";
import { labJsonSchema } from "../../src/config/write-json-schema.js";
import { packagePath } from "../../src/package-root.js";

interface Expected {
  line: number;
  col: number;
  severity?: Problem["severity"];
  message: string;
  hint: string;
}

/** Every problem of a lab file: the error's problems, or the warnings of a lab that loaded. */
function problemsOf(lines: string[]): Problem[] {
  try {
    return parseLab(`${lines.join("\n")}\n`, "lab.yaml").warnings;
  } catch (error) {
    if (error instanceof LabFileError) return error.problems;
    throw error;
  }
}

/** A one-node lab: lines 1-5, then `security:` on line 6 and these lines (indented) from line 7, then `extra`. */
function withSecurity(security: string[], extra: string[] = [], controlPlane = "systemd"): string[] {
  return [
    "name: demo",
    "kubernetesVersion: v1.20.2",
    `controlPlane: ${controlPlane}`,
    "nodes:",
    "  - {name: n1, roles: [etcd, controlplane, worker]}",
    "security:",
    ...security.map((l) => `  ${l}`),
    ...extra,
  ];
}

const cases: { name: string; lines: string[]; expected: Expected[] }[] = [
  {
    name: "TLS bootstrapping with a static-pods control plane",
    lines: withSecurity(["kubeletBootstrap: token"], [], "static-pods"),
    expected: [{ line: 7, col: 21, message: "kubeletBootstrap token needs controlPlane systemd", hint: "kubelet is what starts the API server: use controlPlane: systemd" }],
  },
  {
    name: "anonymous auth off with a static-pods control plane",
    lines: withSecurity(["apiAnonymousAuth: false"], [], "static-pods"),
    expected: [{ line: 7, col: 21, message: "apiAnonymousAuth false needs controlPlane systemd", hint: "kubelet probes the static API server's /livez without credentials" }],
  },
  {
    name: "cipher suites without the one HTTP/2 needs for RSA keys",
    lines: withSecurity(["tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]"]),
    expected: [{ line: 7, col: 20, message: "tlsCipherSuites lacks TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", hint: "the lab's keys are RSA: add TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" }],
  },
  {
    name: "cipher suites without the one HTTP/2 needs for ECDSA keys",
    lines: withSecurity(["tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]"], ["pki:", "  keyAlgorithm: ecdsa"]),
    expected: [{ line: 7, col: 20, message: "tlsCipherSuites lacks TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", hint: "the lab's keys are ECDSA" }],
  },
  {
    name: "a cipher suite listed twice",
    lines: withSecurity(["tlsCipherSuites:", "  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]),
    expected: [{ line: 9, col: 7, severity: "warning", message: 'cipher suite "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" is listed twice', hint: "remove the repeated entry" }],
  },
  {
    name: "cipher suites with a TLS 1.3 minimum",
    lines: withSecurity(["tlsMinVersion: VersionTLS13", "tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]"]),
    expected: [{ line: 8, col: 20, severity: "warning", message: "tlsCipherSuites has no effect with tlsMinVersion VersionTLS13", hint: "TLS 1.3's cipher suites are not configurable" }],
  },
  {
    name: "checks that need a hardening the lab has not",
    lines: withSecurity(["apiAnonymousAuth: true"], ["checks: [etcd-health, encryption-at-rest, audit-log, tls-bootstrap, anonymous-auth, tls-policy]"]),
    expected: [
      { line: 8, col: 23, message: 'check "encryption-at-rest" needs Secrets encrypted at rest', hint: "set security.encryptionAtRest: aescbc, or remove the encryption-at-rest check" },
      { line: 8, col: 43, message: 'check "audit-log" needs an audit log', hint: "add security.audit" },
      { line: 8, col: 54, message: 'check "tls-bootstrap" needs TLS bootstrapping', hint: "set security.kubeletBootstrap: token" },
      { line: 8, col: 69, message: 'check "anonymous-auth" needs anonymous auth off', hint: "set security.apiAnonymousAuth: false" },
      { line: 8, col: 85, message: 'check "tls-policy" needs a TLS policy', hint: "set security.tlsMinVersion and/or security.tlsCipherSuites" },
    ],
  },
  {
    name: "every problem at once: static pods with TLS bootstrapping and anonymous auth off",
    lines: withSecurity(["kubeletBootstrap: token", "apiAnonymousAuth: false"], [], "static-pods"),
    expected: [
      { line: 7, col: 21, message: "kubeletBootstrap token needs controlPlane systemd", hint: "use controlPlane: systemd, or kubeletBootstrap: certificate" },
      { line: 8, col: 21, message: "apiAnonymousAuth false needs controlPlane systemd", hint: "or leave apiAnonymousAuth out" },
    ],
  },
  {
    name: "an unknown key in security",
    lines: withSecurity(["encryption: aescbc"]),
    expected: [{ line: 7, col: 3, message: 'unknown key "encryption" in security', hint: "encryptionAtRest" }],
  },
  {
    name: "a cipher suite Go does not have (or no lab may list)",
    lines: withSecurity(["tlsCipherSuites: [TLS_RSA_WITH_AES_128_CBC_SHA]"]),
    expected: [{ line: 7, col: 21, message: '"TLS_RSA_WITH_AES_128_CBC_SHA" is not one of the allowed values', hint: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" }],
  },
  {
    name: "a TLS version below 1.2",
    lines: withSecurity(["tlsMinVersion: VersionTLS11"]),
    expected: [{ line: 7, col: 18, message: '"VersionTLS11" is not one of the allowed values', hint: "VersionTLS12" }],
  },
  {
    name: "an audit log rotated at 0 MB",
    lines: withSecurity(["audit: {maxSizeMb: 0}"]),
    expected: [{ line: 7, col: 22, message: "security.audit.maxSizeMb: 0 is too small: the minimum is 1", hint: "the audit log is rotated when it reaches this many megabytes" }],
  },
];

describe("the security section", () => {
  it.each(cases)("$name", ({ lines, expected }) => {
    expect(problemsOf(lines)).toEqual(
      expected.map((e) =>
        expect.objectContaining({
          file: "lab.yaml",
          line: e.line,
          col: e.col,
          severity: e.severity ?? "error",
          message: expect.stringContaining(e.message),
          hint: expect.stringContaining(e.hint),
        }),
      ),
    );
  });

  it("is as every lab was when left out: certificates for kubelets, Secrets as they are, no audit log, anonymous auth on, Go's TLS defaults", () => {
    const { lab } = parseLab(["name: demo", "kubernetesVersion: v1.20.2", "nodes:", "  - {name: n1, roles: [etcd, controlplane, worker]}", ""].join("\n"), "lab.yaml");
    expect(lab.security).toEqual({ kubeletBootstrap: "certificate", encryptionAtRest: "none", apiAnonymousAuth: true });
  });

  it("gives an audit section its rotation defaults", () => {
    const { lab } = parseLab(withSecurity(["audit: {}"]).join("\n"), "lab.yaml");
    expect(lab.security.audit).toEqual({ maxSizeMb: 100, maxBackups: 10, maxAgeDays: 30 });
  });

  it("loads labs/hardened-single.yaml without a problem, with every hardening on", async () => {
    const { lab, warnings } = await loadLabFile(packagePath("labs", "hardened-single.yaml"));
    expect(warnings).toEqual([]);
    expect(lab.controlPlane).toBe("systemd");
    expect(lab.security).toEqual({
      kubeletBootstrap: "token",
      encryptionAtRest: "aescbc",
      audit: { maxSizeMb: 1, maxBackups: 3, maxAgeDays: 7 },
      apiAnonymousAuth: false,
      tlsMinVersion: "VersionTLS12",
      tlsCipherSuites: [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      ],
    });
    expect(lab.checks).toEqual(expect.arrayContaining(["tls-bootstrap", "encryption-at-rest", "audit-log", "anonymous-auth", "tls-policy"]));
  });

  it("is published in the JSON Schema with its values, closed to unknown keys", () => {
    type Node = { enum?: unknown[]; properties?: Record<string, Node>; items?: Node; additionalProperties?: boolean; description?: string };
    const security = (labJsonSchema() as { properties: Record<string, Node> }).properties.security!;
    const props = security.properties!;
    expect(security.additionalProperties).toBe(false);
    expect(props.kubeletBootstrap!.enum).toEqual([...KUBELET_BOOTSTRAP_MODES]);
    expect(props.encryptionAtRest!.enum).toEqual([...ENCRYPTION_AT_REST_MODES]);
    expect(props.tlsMinVersion!.enum).toEqual([...TLS_VERSIONS]);
    expect(props.tlsCipherSuites!.items!.enum).toEqual([...TLS_CIPHER_SUITES]);
    expect(props.audit!.additionalProperties).toBe(false);
    expect(Object.keys(props.audit!.properties!)).toEqual(["maxSizeMb", "maxBackups", "maxAgeDays"]);
    for (const [key, node] of Object.entries(props)) expect(node.description, key).toBeTruthy();
  });
});
