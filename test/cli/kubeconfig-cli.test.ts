/**
 * `lab kubeconfig` run as a user runs it (the built CLI), read back by the REAL kubectl v1.20.2.
 *
 * The lab's state holds what `lab up` writes there before any node exists: its certificates
 * (ensurePki) and its admin kubeconfig, rendered by the pipeline's own renderer. The user's
 * kubeconfig is made by kubectl itself (`kubectl config set-cluster/set-credentials/set-context/
 * use-context`), with another cluster in use. Proven:
 *
 * - without options, the admin kubeconfig's path; a lab that does not exist is a clear error;
 * - `--merge`: kubectl reads the file, lists both contexts, the current context is still the
 *   other one, the lab's CA, certificate and key are embedded byte for byte, the file keeps its
 *   mode; and kubectl, run from another folder with only the merged file, authenticates as the
 *   lab's admin against a TLS server holding the lab's API server certificate;
 * - merging again changes nothing; a missing file is made 0600 with the lab's context current;
 *   only `$KUBECONFIG`'s first file is written;
 * - `--unmerge`: the file is byte for byte what kubectl wrote, the other context intact and
 *   `lab-NAME` gone; from a file where it was current, the current context is cleared.
 */
import { once } from "node:events";
import { constants } from "node:fs";
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { TLSSocket } from "node:tls";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/atomic-write.js";
import { parseLab } from "../../src/config/load-lab.js";
import { cacheHome, LabPaths } from "../../src/lab-paths.js";
import { packagePath } from "../../src/package-root.js";
import { certificateParts } from "../../src/pki/certificate-specs.js";
import { ensurePki, type Pki } from "../../src/pki/pki-store.js";
import { planLab, type Plan, type ResolvedLab } from "../../src/plan/plan.js";
import { kubeconfigFor } from "../../src/render/node-files.js";
import { lab } from "../e2e/support.js";
import { ARTIFACTS_DIR, failWhenMissing, skipUnlessAvailable } from "../render/real-tools.js";

const LAB = "kc-merge";
const CONTEXT = `lab-${LAB}`;
const SUITE = "lab kubeconfig, read back by the real kubectl";

/** kubectl of the test artifacts, else of kubelab's own cache. */
async function findKubectl(): Promise<string | undefined> {
  const candidates = [join(ARTIFACTS_DIR, "bin", "kubectl")];
  const cached = join(cacheHome(), "artifacts", "kubernetes");
  for (const version of await readdir(cached).catch(() => [])) candidates.push(join(cached, version, "kubectl"));
  for (const c of candidates) if (await access(c, constants.X_OK).then(() => true, () => false)) return c;
  return undefined;
}

const KUBECTL = await findKubectl();
const missing = KUBECTL ? [] : [`no kubectl in ${ARTIFACTS_DIR}/bin or ${cacheHome()}/artifacts/kubernetes/*/ (set KUBELAB_TEST_ARTIFACTS)`];

/** A kubeconfig as `kubectl config view -o json` prints it. */
interface View {
  clusters: Array<{ name: string; cluster: Record<string, string> }> | null;
  users: Array<{ name: string; user: Record<string, string> }> | null;
  contexts: Array<{ name: string; context: Record<string, string> }> | null;
  "current-context": string;
}

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let paths: LabPaths;
  let plan: Plan;
  let pki: Pki;

  /** Runs the real kubectl with only `kubeconfig` (no proxy may intercept the local TLS server). */
  function kubectl(kubeconfig: string, args: readonly string[], cwd = dir) {
    return execa(KUBECTL!, args, {
      reject: false,
      timeout: 30_000,
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: dir, KUBECONFIG: kubeconfig, HTTPS_PROXY: "", https_proxy: "", NO_PROXY: "*", no_proxy: "*" },
      extendEnv: false,
    });
  }

  async function view(kubeconfig: string, raw = false): Promise<View> {
    const r = await kubectl(kubeconfig, ["config", "view", "-o", "json", ...(raw ? ["--raw"] : [])]);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as View;
  }

  async function contexts(kubeconfig: string): Promise<string[]> {
    const r = await kubectl(kubeconfig, ["config", "get-contexts", "-o", "name"]);
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.split("\n").filter(Boolean).sort();
  }

  /** A kubeconfig made by kubectl with a cluster `other` in use. */
  async function kubectlMadeConfig(name: string): Promise<string> {
    const file = join(dir, name, "config");
    await mkdir(join(dir, name));
    for (const args of [
      ["config", "set-cluster", "other", "--server=https://10.9.9.9:6443", "--insecure-skip-tls-verify=true"],
      ["config", "set-credentials", "other-admin", "--token=secret-token"],
      ["config", "set-context", "other", "--cluster=other", "--user=other-admin", "--namespace=work"],
      ["config", "use-context", "other"],
    ]) {
      const r = await kubectl(file, args);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    return file;
  }

  /** `lab ...` with KUBECONFIG set (its output's last newline stripped). */
  function cli(args: string[], kubeconfig?: string) {
    return lab(args, { ...env, ...(kubeconfig === undefined ? {} : { KUBECONFIG: kubeconfig }) });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-kubeconfig-"));
    env = { ...process.env, KUBELAB_HOME: join(dir, "home"), NO_COLOR: "1", CI: "1" };
    const text = (await readFile(packagePath("labs", "coreos-single.yaml"), "utf8")).replace(/^name: .*$/m, `name: ${LAB}`);
    const { lab: parsed } = parseLab(text, "kc-merge.yaml");
    plan = planLab({ ...parsed, network: { ...parsed.network, nodeSubnet: "172.30.9.0/24" } } as ResolvedLab);
    paths = new LabPaths(LAB, env);
    // What the pipeline's pki step writes.
    pki = await ensurePki(plan, paths);
    await writeFileAtomic(paths.adminKubeconfig, kubeconfigFor(plan, pki, { cert: "admin", user: "admin" }), 0o600);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("prints the admin kubeconfig's path, and says plainly when the lab does not exist", async () => {
    const r = await cli(["kubeconfig", LAB]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toBe(paths.adminKubeconfig);
    const json = await cli(["kubeconfig", LAB, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ lab: LAB, kubeconfig: paths.adminKubeconfig });

    for (const args of [["kubeconfig", "no-such-lab"], ["kubeconfig", "no-such-lab", "--merge"]]) {
      const none = await cli(args, join(dir, "untouched-config"));
      expect(none.exitCode).toBe(1);
      expect(none.stdout).toBe("");
      expect(none.stderr).toContain("error: failed to find the kubeconfig of lab no-such-lab: the lab does not exist");
      expect(none.stderr).toContain("hint: `lab list` shows the labs there are; bring this one up with: lab up no-such-lab");
    }
    await expect(stat(join(dir, "untouched-config"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses --merge with --unmerge (exit code 2)", async () => {
    const r = await cli(["kubeconfig", LAB, "--merge", "--unmerge"], join(dir, "untouched-config"));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("error: failed to use --merge with --unmerge: choose one");
  });

  it("--merge: kubectl reads both contexts, the other stays current, and the lab's credentials work from any folder", async () => {
    const file = await kubectlMadeConfig("merge");
    const written = await readFile(file, "utf8");
    const before = await view(file, true);
    const modeBefore = (await stat(file)).mode & 0o777;

    const r = await cli(["kubeconfig", LAB, "--merge"], file);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toBe(`added cluster, user and context ${CONTEXT} in ${file}\nuse it with: kubectl --context ${CONTEXT} get nodes (or: kubectl config use-context ${CONTEXT})`);

    expect(await contexts(file)).toEqual([CONTEXT, "other"].sort());
    const after = await view(file, true);
    expect(after["current-context"]).toBe("other");
    // Every entry kubectl had is there unchanged.
    for (const section of ["clusters", "users", "contexts"] as const) {
      expect(after[section]!.filter((e) => e.name !== CONTEXT)).toEqual(before[section]);
    }
    const cluster = after.clusters!.find((c) => c.name === CONTEXT)!.cluster;
    const user = after.users!.find((u) => u.name === CONTEXT)!.user;
    expect(cluster.server).toBe(plan.api.endpoint);
    expect(Buffer.from(cluster["certificate-authority-data"]!, "base64").toString()).toBe(pki.get("ca").certPem);
    expect(Buffer.from(user["client-certificate-data"]!, "base64").toString()).toBe(pki.get("admin").certPem);
    expect(Buffer.from(user["client-key-data"]!, "base64").toString()).toBe(pki.get("admin").keyPem);
    expect(after.contexts!.find((c) => c.name === CONTEXT)!.context).toEqual({ cluster: CONTEXT, user: CONTEXT });
    expect((await stat(file)).mode & 0o777).toBe(modeBefore);

    // kubectl, from another folder, with nothing but the merged file.
    const elsewhere = await mkdtemp(join(tmpdir(), "kubelab-elsewhere-"));
    try {
      const whoami = await asLabAdmin(file, elsewhere);
      expect(whoami.exitCode, whoami.stderr).toBe(0);
      expect(JSON.parse(whoami.stdout)).toEqual({ cn: "admin", o: "system:masters" });
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }

    // Again: the same file.
    const merged = await readFile(file, "utf8");
    const again = await cli(["kubeconfig", LAB, "--merge"], file);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/^replaced cluster, user and context /);
    expect(await readFile(file, "utf8")).toBe(merged);
    expect(await contexts(file)).toEqual([CONTEXT, "other"].sort());

    // --unmerge: what kubectl wrote, byte for byte.
    const un = await cli(["kubeconfig", LAB, "--unmerge"], file);
    expect(un.exitCode, un.all).toBe(0);
    expect(un.stdout).toBe(`removed cluster, user and context ${CONTEXT} from ${file}`);
    expect(await readFile(file, "utf8")).toBe(written);
    expect(await contexts(file)).toEqual(["other"]);
    expect(await view(file, true)).toEqual(before);

    const nothing = await cli(["kubeconfig", LAB, "--unmerge"], file);
    expect(nothing.exitCode).toBe(0);
    expect(nothing.stdout).toBe(`${file} has no entries named ${CONTEXT}: nothing to remove`);
  });

  it("--merge into a missing file makes it 0600 with the lab's context current; --unmerge clears it", async () => {
    const file = join(dir, "new", "kube", "config");
    const r = await cli(["kubeconfig", LAB, "--merge"], file);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`${CONTEXT} is the current context (the file had none)`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await contexts(file)).toEqual([CONTEXT]);
    const current = await kubectl(file, ["config", "current-context"]);
    expect(current.stdout.trim()).toBe(CONTEXT);

    const un = await cli(["kubeconfig", LAB, "--unmerge"], file);
    expect(un.stdout).toContain("it was the current context: there is none now");
    expect(await contexts(file)).toEqual([]);
    const none = await kubectl(file, ["config", "current-context"]);
    expect(none.exitCode).not.toBe(0);
    expect(none.stderr).toMatch(/current-context is not set/);
  });

  it("writes only $KUBECONFIG's first file, keeping a file's own mode", async () => {
    const first = await kubectlMadeConfig("first");
    const second = await kubectlMadeConfig("second");
    await chmod(first, 0o640);
    const secondText = await readFile(second, "utf8");
    const r = await cli(["kubeconfig", LAB, "--merge"], [first, second].join(delimiter));
    expect(r.exitCode, r.all).toBe(0);
    expect(await contexts(first)).toEqual([CONTEXT, "other"].sort());
    expect(await readFile(second, "utf8")).toBe(secondText);
    expect((await stat(first)).mode & 0o777).toBe(0o640);
  });

  it("refuses a kubeconfig kubectl cannot read either, and leaves it as it was", async () => {
    const file = join(dir, "broken-config");
    await writeFile(file, "clusters: [\n");
    const r = await cli(["kubeconfig", LAB, "--merge"], file);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: failed to read the kubeconfig ${file}: `);
    expect(await readFile(file, "utf8")).toBe("clusters: [\n");
  });

  /**
   * `kubectl --context lab-NAME get --raw /whoami` with `kubeconfig`, from `cwd`, against a TLS
   * server holding the lab's API server certificate that requires a client certificate signed by
   * the lab's CA and answers with the client's subject.
   */
  async function asLabAdmin(kubeconfig: string, cwd: string) {
    const api = pki.get(certificateParts(plan).apiServer);
    const server = createServer({ cert: api.certPem, key: api.keyPem, ca: pki.get("ca").certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ cn: peer.subject.CN, o: peer.subject.O ?? null }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      // The lab's API address is not served here: the same CA and certificate, on a local port
      // (the server certificate names 127.0.0.1).
      return await kubectl(kubeconfig, ["--context", CONTEXT, `--server=https://127.0.0.1:${port}`, "--request-timeout=10s", "get", "--raw", "/whoami"], cwd);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
});
