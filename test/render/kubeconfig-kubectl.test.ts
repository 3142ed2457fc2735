/**
 * Every kubeconfig with a client certificate node-files produces (a TLS-bootstrapped kubelet's token
 * kubeconfig is read in hardened.test.ts), with REAL PKI material from ensurePki, read by the real
 * v1.20.2 kubectl and its certificates checked with openssl:
 *
 * - `kubectl config view -o json` exits 0 and shows the expected server, user and context, with the
 *   certificate data present (kubectl prints DATA+OMITTED / REDACTED for data it holds);
 * - `--raw`: the embedded client certificate and CA decode to the lab's PEM, openssl reads the
 *   certificate with the CN (and O) the user must have, verifies it against the embedded CA, and
 *   its public key is the embedded private key's;
 * - the API servers' certificate (kube-apiserver, or the shared `kubernetes` one) names the
 *   kubeconfig's server address, as openssl matches it: the load balancer's when the lab has one;
 * - kubectl actually uses it: `kubectl get --raw` against a local TLS server holding the lab's
 *   API server certificate and requiring client certificates signed by the lab's CA. kubectl
 *   must trust the server through certificate-authority-data, and the server must see the expected
 *   client identity.
 */
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabPaths } from "../../src/lab-paths.js";
import type { Plan, PlannedNode } from "../../src/plan/plan.js";
import { certificateParts } from "../../src/pki/certificate-specs.js";
import { ensurePki, type Pki } from "../../src/pki/pki-store.js";
import { kubeconfigPath } from "../../src/render/node-layout.js";
import { nodeFiles } from "../../src/render/node-files.js";
import { BOOTSTRAP_KUBECONFIG } from "../../src/render/tls-bootstrap.js";
import { FAKE_SECRETS, nodeImages, text, v1202Cases } from "./lab-fixtures.js";
import {
  artifactBin,
  failWhenMissing,
  missingBinaries,
  missingCommand,
  skipUnlessAvailable,
} from "./real-tools.js";

const missing = [...(await missingBinaries(["kubectl"])), ...(await missingCommand("openssl", ["version"]))];
const SUITE = "kubeconfigs read by the real kubectl v1.20.2 and openssl";

/** What a kubeconfig must say, written out here rather than taken from the renderer. */
interface Expected {
  node: string;
  /** File stem under /etc/kubernetes. */
  file: string;
  /** The certificate (pki name) it embeds. */
  cert: string;
  user: string;
  server: string;
  commonName: string;
  organization: string | undefined;
}

function expectedKubeconfigs(plan: Plan, node: PlannedNode): Expected[] {
  const out: Expected[] = [];
  const local = "https://127.0.0.1:6443";
  const add = (file: string, cert: string, user: string, server: string, organization?: string): void => {
    out.push({ node: node.name, file, cert, user, server, commonName: user, organization });
  };
  if (node.controlPlane) {
    add("kube-controller-manager", "kube-controller-manager", "system:kube-controller-manager", local);
    add("kube-scheduler", "kube-scheduler", "system:kube-scheduler", local);
    add("admin", "admin", "admin", plan.api.endpoint, "system:masters");
  }
  if (node.kubelet) {
    // A TLS-bootstrapped kubelet has a token kubeconfig instead (test/render/hardened.test.ts).
    if (plan.security.kubeletBootstrap !== "token") add("kubelet", `kubelet-${node.name}`, `system:node:${node.name}`, plan.api.endpoint, "system:nodes");
    add("kube-proxy", "kube-proxy", "system:kube-proxy", plan.api.endpoint, "system:node-proxier");
  }
  return out;
}

/** A kubeconfig as `kubectl config view -o json` prints it. */
interface KubeconfigView {
  clusters: Array<{ name: string; cluster: { server: string; "certificate-authority-data"?: string } }>;
  users: Array<{ name: string; user: { "client-certificate-data"?: string; "client-key-data"?: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  "current-context": string;
}

function kubectl(args: readonly string[]) {
  // No proxy may intercept the local TLS server.
  return execa(artifactBin("kubectl"), args, {
    reject: false,
    timeout: 30_000,
    env: { HTTPS_PROXY: "", https_proxy: "", HTTP_PROXY: "", http_proxy: "", NO_PROXY: "*", no_proxy: "*" },
  });
}

async function view(file: string, raw: boolean): Promise<KubeconfigView> {
  const run = await kubectl(["config", "view", `--kubeconfig=${file}`, "-o", "json", ...(raw ? ["--raw"] : [])]);
  if (run.exitCode !== 0) throw new Error(`kubectl config view exited ${run.exitCode}: ${run.stderr}`);
  return JSON.parse(run.stdout) as KubeconfigView;
}

async function openssl(args: readonly string[], input?: string): Promise<string> {
  const run = await execa("openssl", args, { reject: false, timeout: 30_000, ...(input === undefined ? {} : { input }) });
  if (run.exitCode !== 0) throw new Error(`openssl ${args.join(" ")} exited ${run.exitCode}: ${run.stderr}`);
  return run.stdout;
}

/** A certificate's subject as key → values (e.g. CN, O), read by openssl. */
async function subjectOf(certPem: string): Promise<Map<string, string[]>> {
  const out = await openssl(["x509", "-noout", "-subject", "-nameopt", "sep_multiline,sname,utf8"], certPem);
  const subject = new Map<string, string[]>();
  for (const line of out.split("\n").slice(1)) {
    const m = /^\s+([A-Za-z]+)=(.*)$/.exec(line);
    if (m) subject.set(m[1]!, [...(subject.get(m[1]!) ?? []), m[2]!]);
  }
  return subject;
}

const decode = (data: string | undefined): string => Buffer.from(data ?? "", "base64").toString("utf8");

interface LabUnderTest {
  plan: Plan;
  pki: Pki;
  /** Kubeconfig files written to disk, by `${node}/${file}`. */
  files: Map<string, string>;
  /** Kubeconfig paths node-files produced, per node. */
  produced: Map<string, string[]>;
}

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let home: string;
  const labs = new Map<string, LabUnderTest>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "kubelab-render-kubeconfig-"));
    for (const { id, plan } of v1202Cases()) {
      const pki = await ensurePki(plan, new LabPaths(id, { KUBELAB_HOME: home }));
      const files = new Map<string, string>();
      const produced = new Map<string, string[]>();
      for (const node of plan.nodes) {
        const material = { get: (name: string) => pki.get(name), serviceAccount: pki.serviceAccount, secrets: FAKE_SECRETS };
        const kubeconfigs = nodeFiles(plan, node, material, nodeImages(plan)).filter((f) => f.path.endsWith(".kubeconfig") && f.path !== BOOTSTRAP_KUBECONFIG);
        produced.set(node.name, kubeconfigs.map((f) => f.path).sort());
        const dir = join(home, "kubeconfigs", id, node.name);
        await mkdir(dir, { recursive: true });
        for (const f of kubeconfigs) {
          const stem = f.path.slice(f.path.lastIndexOf("/") + 1).replace(/\.kubeconfig$/, "");
          const target = join(dir, `${stem}.kubeconfig`);
          await writeFile(target, text(f), { mode: f.mode });
          files.set(`${node.name}/${stem}`, target);
        }
      }
      labs.set(id, { plan, pki, files, produced });
    }
  });
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  function lab(id: string): LabUnderTest {
    const found = labs.get(id);
    if (!found) throw new Error(`lab ${id} was not prepared`);
    return found;
  }
  function fileOf(id: string, e: Expected): string {
    const file = lab(id).files.get(`${e.node}/${e.file}`);
    if (!file) throw new Error(`node-files produced no ${e.file}.kubeconfig for ${e.node}`);
    return file;
  }

  describe.concurrent.each(v1202Cases())("$id", ({ id, plan }) => {
    const expected = plan.nodes.flatMap((node) => expectedKubeconfigs(plan, node));

    it("node-files produces exactly the expected kubeconfigs on each node", () => {
      for (const node of plan.nodes) {
        const want = expected.filter((e) => e.node === node.name).map((e) => kubeconfigPath(e.file));
        expect(lab(id).produced.get(node.name), node.name).toEqual(want.sort());
      }
    });

    it.each(expected)("$node/$file: kubectl config view", async (e) => {
      const v = await view(fileOf(id, e), false);
      expect(v.clusters).toEqual([
        { name: plan.labName, cluster: { server: e.server, "certificate-authority-data": "DATA+OMITTED" } },
      ]);
      expect(v.users).toEqual([
        { name: e.user, user: { "client-certificate-data": "REDACTED", "client-key-data": "REDACTED" } },
      ]);
      expect(v.contexts).toEqual([{ name: plan.labName, context: { cluster: plan.labName, user: e.user } }]);
      expect(v["current-context"]).toBe(plan.labName);
    });

    it.each(expected)("$node/$file: the API servers' certificate names its server, $server", async (e) => {
      const host = new URL(e.server).hostname;
      const apiServerCert = join(home, `${id}-${e.node}-${e.file}-apiserver.crt`);
      await writeFile(apiServerCert, lab(id).pki.get(certificateParts(plan).apiServer).certPem);
      expect(await openssl(["x509", "-noout", "-in", apiServerCert, "-checkip", host])).toBe(`IP ${host} does match certificate`);
    });

    it.each(expected)("$node/$file: embedded certificates, checked with openssl", async (e) => {
      const { pki } = lab(id);
      const v = await view(fileOf(id, e), true);
      const caPem = decode(v.clusters[0]?.cluster["certificate-authority-data"]);
      const certPem = decode(v.users[0]?.user["client-certificate-data"]);
      const keyPem = decode(v.users[0]?.user["client-key-data"]);
      expect(caPem).toBe(pki.get("ca").certPem);
      expect(certPem).toBe(pki.get(e.cert).certPem);
      expect(keyPem).toBe(pki.get(e.cert).keyPem);

      const subject = await subjectOf(certPem);
      expect(subject.get("CN")).toEqual([e.commonName]);
      expect(subject.get("O")).toEqual(e.organization === undefined ? undefined : [e.organization]);

      const caFile = join(home, `${id}-${e.node}-${e.file}-ca.crt`);
      await writeFile(caFile, caPem);
      expect(await openssl(["verify", "-CAfile", caFile], certPem)).toMatch(/: OK$/m);
      const certKey = await openssl(["x509", "-noout", "-pubkey"], certPem);
      const keyKey = await openssl(["pkey", "-pubout"], keyPem);
      expect(certKey).toContain("BEGIN PUBLIC KEY");
      expect(certKey).toBe(keyKey);
    });
  });

  describe.concurrent("kubectl connects with them", () => {
    /**
     * Runs `kubectl get --raw /whoami` with `kubeconfig` against a TLS server holding the API
     * server certificate of `plan`'s PKI, which requires a client certificate signed by the lab's CA
     * and answers with the client's subject.
     */
    async function whoami({ plan, pki }: LabUnderTest, kubeconfig: string) {
      const api = pki.get(certificateParts(plan).apiServer);
      const server = createServer(
        { cert: api.certPem, key: api.keyPem, ca: pki.get("ca").certPem, requestCert: true, rejectUnauthorized: true },
        (req, res) => {
          const peer = (req.socket as TLSSocket).getPeerCertificate();
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ path: new URL(req.url ?? "/", "https://server").pathname, cn: peer.subject.CN, o: peer.subject.O ?? null }));
        },
      );
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      try {
        const { port } = server.address() as AddressInfo;
        return await kubectl([`--kubeconfig=${kubeconfig}`, `--server=https://127.0.0.1:${port}`, "--request-timeout=10s", "get", "--raw", "/whoami"]);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }

    const all = v1202Cases().flatMap(({ id, plan }) =>
      plan.nodes.flatMap((node) => expectedKubeconfigs(plan, node).map((e) => ({ id, ...e }))),
    );

    it.each(all)("$id $node/$file authenticates as $user", async ({ id, ...e }) => {
      const run = await whoami(lab(id), fileOf(id, e));
      expect(run.exitCode, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ path: "/whoami", cn: e.commonName, o: e.organization ?? null });
    });

    it("would catch a kubeconfig whose key does not match its certificate", async () => {
      const [first] = v1202Cases();
      if (!first) throw new Error("no lab");
      const { pki, files } = lab(first.id);
      const admin = files.get(`${first.plan.nodes[0]!.name}/admin`);
      if (!admin) throw new Error("no admin kubeconfig");
      const v = await view(admin, true);
      const broken = join(home, "broken-admin.kubeconfig");
      const wrongKey = Buffer.from(pki.get("kube-scheduler").keyPem).toString("base64");
      await writeFile(broken, JSON.stringify({ ...v, users: [{ name: "admin", user: { ...v.users[0]!.user, "client-key-data": wrongKey } }] }));
      const run = await whoami(lab(first.id), broken);
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/private key does not match public key/);
    });

    it("would catch a kubeconfig trusting the wrong CA", async () => {
      const [first] = v1202Cases();
      if (!first) throw new Error("no lab");
      const { pki, files } = lab(first.id);
      const admin = files.get(`${first.plan.nodes[0]!.name}/admin`);
      if (!admin) throw new Error("no admin kubeconfig");
      const v = await view(admin, true);
      const wrongCa = Buffer.from(pki.get("etcd-ca").certPem).toString("base64");
      const broken = join(home, "wrong-ca-admin.kubeconfig");
      await writeFile(
        broken,
        JSON.stringify({ ...v, clusters: [{ name: v.clusters[0]!.name, cluster: { ...v.clusters[0]!.cluster, "certificate-authority-data": wrongCa } }] }),
      );
      const run = await whoami(lab(first.id), broken);
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toMatch(/certificate signed by unknown authority/);
    });
  });
});
