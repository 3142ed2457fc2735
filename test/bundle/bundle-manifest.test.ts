/**
 * A bundle's manifest is read strictly: a valid one as it is; text that is not JSON, JSON that is
 * not a kubelab bundle's, another format version (naming the kubelab that made it), a missing or
 * mistyped field and an unknown one each refused with a message saying which, and exit code 2.
 */
import { describe, expect, it } from "vitest";
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, parseBundleManifest, type BundleManifest } from "../../src/bundle/bundle-manifest.js";
import { UserError } from "../../src/errors.js";

const MANIFEST: BundleManifest = {
  format: BUNDLE_FORMAT,
  formatVersion: BUNDLE_FORMAT_VERSION,
  kubelabVersion: "0.1.0",
  exportedAt: "2026-01-02T03:04:05.000Z",
  lab: "fedora-multi",
  provider: "docker",
  phase: "up",
  versions: { kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1" },
  binaries: [{ name: "etcd", component: "etcd", version: "v3.4.23", from: "cache", source: "import /tmp/bin", sha256: "a".repeat(64) }],
  custom: [],
  nodeImage: { name: "kubelab/node:abc" },
  componentImages: [],
  nodeSubnet: "172.30.3.0/24",
  nodes: [{ name: "fed-master", roles: ["etcd", "controlplane"], ip: "172.30.3.10" }],
  journals: [{ node: "fed-master", unit: "etcd", entry: "journals/fed-master/etcd.log" }],
  checks: { pass: 9, fail: 0, notRun: 0 },
  leftOut: [{ path: "pki/ca.key", reason: "secret: a private key" }],
};

/** The UserError parsing `text` fails with. */
function refusal(text: string): UserError {
  try {
    parseBundleManifest(text, "x.tar.gz");
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    return error as UserError;
  }
  throw new Error(`${text} was accepted`);
}

const edited = (change: (m: Record<string, unknown>) => void): string => {
  const m = structuredClone(MANIFEST) as unknown as Record<string, unknown>;
  change(m);
  return JSON.stringify(m);
};

describe("parseBundleManifest", () => {
  it("reads a valid manifest as it is", () => {
    expect(parseBundleManifest(JSON.stringify(MANIFEST), "x.tar.gz")).toEqual(MANIFEST);
  });

  it("refuses text that is not JSON, or not a kubelab bundle's", () => {
    expect(refusal("name: fedora-multi\n").message).toBe("failed to read bundle x.tar.gz: its bundle.json is not JSON");
    expect(refusal('{"apiVersion": "v1", "kind": "Pod"}').message).toMatch(/its bundle\.json is not a kubelab bundle's/);
    expect(refusal(edited((m) => (m.format = "other"))).hint).toMatch(/lab export/);
  });

  it("refuses another format version, naming the kubelab that made it", () => {
    const error = refusal(edited((m) => (m.formatVersion = 7)));
    expect(error.message).toBe(`failed to read bundle x.tar.gz: unknown bundle format version 7 (made by kubelab 0.1.0); this kubelab reads version ${BUNDLE_FORMAT_VERSION}`);
    expect(error.hint).toMatch(/import it with the kubelab that made it, or export the lab again/);
  });

  it("refuses a missing, mistyped or unknown field, naming it", () => {
    expect(refusal(edited((m) => delete m.nodes)).message).toMatch(/its bundle\.json is not valid: nodes: /);
    expect(refusal(edited((m) => ((m.binaries as { sha256: string }[])[0]!.sha256 = "abc"))).message).toMatch(/binaries\.0\.sha256: expected a SHA-256 in hex/);
    expect(refusal(edited((m) => (m.provider = "kvm"))).message).toMatch(/provider: /);
    expect(refusal(edited((m) => (m.colour = "blue"))).message).toMatch(/colour/);
  });
});
