/**
 * End to end, a lab whose every key is ECDSA P-256 (`pki.keyAlgorithm: ecdsa`): one node with the
 * control plane as systemd units comes up with every check green, then, from inside the node, the
 * certificates the API server, etcd and kubelet serve are ECDSA P-256 signed ecdsa-with-SHA256, and
 * the service account tokens the controller manager signs (and the API server accepts) are ES256;
 * `lab down` leaves nothing behind.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/pipeline/events.js";
import { e2eSkipReason, importTestArtifacts, isolatedEnv, jsonLines, lab, labelled, TEST_ARTIFACTS, type CliResult } from "./support.js";

const NAME = "ecdsa-single";
const NODE = "core1";
const CHECKS = ["etcd-health", "etcd-version", "apiserver-health", "cluster-info", "component-statuses", "nodes-ready", "pod-logs", "cluster-ip-service"];
const skip = await e2eSkipReason("ecdsa-single (ECDSA keys)");

const LAB_FILE = `name: ${NAME}
description: one node, the control plane as systemd units, every key ECDSA P-256
kubernetesVersion: v1.20.2
controlPlane: systemd
artifacts:
  etcdVersion: v3.4.23
  cniVersion: v1.1.1
pki:
  keyAlgorithm: ecdsa
network:
  podCidr: 10.2.0.0/16
  serviceCidr: 10.3.0.0/24
nodes:
  - name: ${NODE}
    roles: [etcd, controlplane, worker]
checks: [${CHECKS.join(", ")}]
`;

describe.skipIf(skip)("a lab with ECDSA keys on Docker", () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let up: CliResult;

  beforeAll(async () => {
    env = await isolatedEnv();
    dir = await mkdtemp(join(tmpdir(), "kubelab-ecdsa-"));
    await importTestArtifacts(env);
    const file = join(dir, `${NAME}.yaml`);
    await writeFile(file, LAB_FILE);
    up = await lab(["up", file, "--json"], env);
  }, 240_000);

  afterAll(async () => {
    if (!env) return;
    const down = await lab(["down", NAME], env);
    expect(down.exitCode, down.all).toBe(0);
    expect(await labelled(NAME)).toEqual({ containers: [], networks: [], volumes: [] });
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("comes up with every check green", () => {
    expect(up.exitCode, up.all).toBe(0);
    const checks = jsonLines(up.stdout)
      .filter((e) => e.type === "check")
      .map((e) => e.result as CheckResult);
    expect(checks.map((c) => c.check).sort()).toEqual([...CHECKS].sort());
    for (const c of checks) expect(c.status, `${c.check}: ${c.saw}`).toBe("pass");
  });

  it("serves ECDSA P-256 certificates signed ecdsa-with-SHA256 from the API server, etcd and kubelet", async () => {
    const ports = [6443, 2379, 10250];
    const script = ports.map((port) => `echo "== ${port}"; openssl s_client -connect 127.0.0.1:${port} </dev/null 2>/dev/null | openssl x509 -noout -text || exit 1`).join("\n");
    const served = await lab(["exec", NAME, NODE, "--", "sh", "-c", script], env);
    expect(served.exitCode, served.all).toBe(0);
    const texts = served.stdout.split(/^== /m).slice(1);
    expect(texts.map((t) => Number(t.split("\n")[0]))).toEqual(ports);
    for (const text of texts) {
      const port = text.split("\n")[0];
      expect(text, `port ${port}`).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
      expect(text, `port ${port}`).toMatch(/Public Key Algorithm: id-ecPublicKey/);
      expect(text, `port ${port}`).toMatch(/ASN1 OID: prime256v1/);
    }
  });

  it("signs service account tokens ES256, and the API server takes them", async () => {
    const kubeconfig = (await lab(["kubeconfig", NAME], env)).stdout.trim();
    const kubectl = (args: string[]) => execa(join(TEST_ARTIFACTS, "bin", "kubectl"), ["--kubeconfig", kubeconfig, ...args], { reject: false, timeout: 30_000 });
    const secret = await kubectl(["get", "secrets", "-n", "default", "--field-selector", "type=kubernetes.io/service-account-token", "-o", "jsonpath={.items[0].data.token}"]);
    expect(secret.exitCode, secret.stderr).toBe(0);
    const token = Buffer.from(secret.stdout, "base64").toString();
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as { alg: string };
    expect(header.alg).toBe("ES256");
    // Authenticated as the service account (not refused as unknown): RBAC then forbids it the list.
    const asAccount = await lab(["exec", NAME, NODE, "--", "curl", "-s", "--cacert", "/etc/kubernetes/pki/ca.crt", "-H", `Authorization: Bearer ${token}`, "https://127.0.0.1:6443/api/v1/namespaces/kube-system/secrets"], env);
    expect(asAccount.stdout).toContain('User \\"system:serviceaccount:default:default\\" cannot list resource \\"secrets\\"');
  });
});
