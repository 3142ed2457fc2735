/**
 * HAProxy's health checks where the API servers refuse anonymous requests (labs/ha-etcd.yaml with
 * security.apiAnonymousAuth false): the node image's REAL HAProxy runs the rendered haproxy.cfg with
 * the rendered health-check certificate file (the lab's real PKI), in front of two TLS servers
 * (`openssl s_server`, in a network namespace of a throwaway container without network) that, like
 * such API servers, answer only clients presenting a certificate of the lab's CA. Both turn UP;
 * the same servers stay DOWN for the configuration of a lab that leaves anonymous auth on (no
 * certificate presented), so it is the certificate that lets the checks through.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabPaths } from "../../src/lab-paths.js";
import type { Plan } from "../../src/plan/plan.js";
import { certificateParts } from "../../src/pki/certificate-specs.js";
import { ensurePki } from "../../src/pki/pki-store.js";
import { HAPROXY_BACKEND, HAPROXY_CLIENT_PEM, HAPROXY_CONFIG, HAPROXY_SOCKET, haproxyConfig } from "../../src/render/haproxy.js";
import { nodeFiles } from "../../src/render/node-files.js";
import { fileAt, haEtcdPlan, nodeImages, text } from "./lab-fixtures.js";
import { failWhenMissing, findNodeImage, skipUnlessAvailable } from "./real-tools.js";

const ha = haEtcdPlan();
const plan: Plan = { ...ha, security: { ...ha.security, apiAnonymousAuth: false } };
const lb = plan.api.loadBalancer!;
const [first, second] = plan.api.servers as [(typeof plan.api.servers)[0], (typeof plan.api.servers)[0]];

const { image, missing } = await findNodeImage();
const SUITE = "HAProxy presenting the health-check certificate to API servers that refuse anonymous requests";

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  let container = "";

  async function sh(script: string): Promise<string> {
    const run = await execa("docker", ["exec", container, "sh", "-c", script], { reject: false, timeout: 60_000 });
    if (run.exitCode !== 0) throw new Error(`in the container, \`${script}\` exited ${run.exitCode}: ${run.stderr || run.stdout}`);
    return run.stdout;
  }

  /** Each server's HAProxy status and check status, once both match `want` or after `timeoutMs`. */
  async function settled(want: RegExp, timeoutMs = 15_000): Promise<Record<string, string>> {
    const started = Date.now();
    let seen: Record<string, string> = {};
    while (Date.now() - started < timeoutMs) {
      const csv = await sh(`echo "show stat" | socat stdio ${HAPROXY_SOCKET}`);
      const [header, ...rows] = csv.split("\n").filter((l) => l.trim() !== "");
      const columns = header!.replace(/^# /, "").split(",");
      seen = Object.fromEntries(
        rows
          .map((r) => r.split(","))
          .filter((r) => r[columns.indexOf("pxname")] === HAPROXY_BACKEND && !["BACKEND", "FRONTEND"].includes(r[columns.indexOf("svname")]!))
          .map((r) => [r[columns.indexOf("svname")]!, `${r[columns.indexOf("status")]} ${r[columns.indexOf("check_status")]}`]),
      );
      if (Object.values(seen).length === 2 && Object.values(seen).every((s) => want.test(s))) return seen;
      await new Promise((r) => setTimeout(r, 200));
    }
    return seen;
  }

  /** (Re)starts HAProxy with the configuration file `cfg` of the mounted folder. */
  async function haproxy(cfg: string): Promise<void> {
    await sh(
      [
        "[ -f /tmp/haproxy.pid ] && kill $(cat /tmp/haproxy.pid) && sleep 0.5; rm -f /tmp/haproxy.pid",
        "mkdir -p /run/haproxy",
        `haproxy -D -p /tmp/haproxy.pid -f /work/${cfg} >>/tmp/haproxy.log 2>&1`,
        `for i in $(seq 50); do [ -S ${HAPROXY_SOCKET} ] && exit 0; sleep 0.1; done; cat /tmp/haproxy.log; exit 1`,
      ].join("\n"),
    );
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-haproxy-client-cert-"));
    await chmod(dir, 0o755);
    const pki = await ensurePki(plan, new LabPaths("haproxy-client-cert", { KUBELAB_HOME: join(dir, "home") }));
    const material = { get: (name: string) => pki.get(name), serviceAccount: pki.serviceAccount };
    const files = nodeFiles(plan, lb, material, nodeImages(plan));
    const api = pki.get(certificateParts(plan).apiServer);
    await writeFile(join(dir, "hardened.cfg"), text(fileAt(files, HAPROXY_CONFIG)));
    await writeFile(join(dir, "anonymous.cfg"), haproxyConfig(ha));
    await writeFile(join(dir, "client.pem"), text(fileAt(files, HAPROXY_CLIENT_PEM)), { mode: 0o600 });
    await writeFile(join(dir, "ca.crt"), pki.get("ca").certPem);
    await writeFile(join(dir, "api.crt"), api.certPem);
    await writeFile(join(dir, "api.key"), api.keyPem, { mode: 0o600 });
    const run = await execa(
      "docker",
      [
        "run", "-d", "--rm", "--network=none", "--cap-add=NET_ADMIN", "--cap-add=SYS_ADMIN", "--label", "kubelab.test=render-haproxy-client-cert",
        "-v", `${dir}:/work:ro`, "-v", `${join(dir, "client.pem")}:${HAPROXY_CLIENT_PEM}:ro`, "--entrypoint", "sleep", image!, "600",
      ],
      { timeout: 120_000 },
    );
    container = run.stdout.trim();
    await sh(
      [
        "set -e",
        "ip netns add controllers",
        "ip link add lb0 type veth peer name ctl0",
        "ip link set ctl0 netns controllers",
        `ip addr add ${lb.ip}/24 dev lb0`,
        "ip link set lb0 up",
        `ip -n controllers addr add ${first.ip}/24 dev ctl0`,
        `ip -n controllers addr add ${second.ip}/24 dev ctl0`,
        "ip -n controllers link set ctl0 up",
        "ip -n controllers link set lo up",
        ...[first, second].flatMap((s) => [
          `mkdir -p /tmp/${s.name}`,
          `printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 2\\r\\n\\r\\nok' > /tmp/${s.name}/healthz`,
          // -Verify: a client certificate of the lab's CA, or no answer at all (as the API server, anonymous auth off).
          `(cd /tmp/${s.name} && exec ip netns exec controllers openssl s_server -quiet -HTTP -accept ${s.ip}:6443 -cert /work/api.crt -key /work/api.key -Verify 1 -CAfile /work/ca.crt) >/tmp/${s.name}.log 2>&1 &`,
        ]),
      ].join("\n"),
    );
  }, 180_000);

  afterAll(async () => {
    if (container) await execa("docker", ["rm", "-f", container], { reject: false, timeout: 60_000 });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("takes both API servers UP through TLS health checks presenting the certificate", async () => {
    await haproxy("hardened.cfg");
    expect(await settled(/^UP L7OK$/)).toEqual({ [first.name]: "UP L7OK", [second.name]: "UP L7OK" });
    // Each server verified the certificate HAProxy presented against the lab's CA.
    for (const s of [first, second]) expect(await sh(`cat /tmp/${s.name}.log`)).toMatch(/depth=0 CN = kubelab-healthcheck\nverify return:1/);
  });

  it("keeps them DOWN without it (the configuration of a lab that leaves anonymous auth on)", async () => {
    await haproxy("anonymous.cfg");
    const seen = await settled(/^DOWN /);
    expect(Object.keys(seen).sort()).toEqual([first.name, second.name]);
    for (const status of Object.values(seen)) expect(status).toMatch(/^DOWN (L4|L6|SOCKERR)/);
    // Refused for want of a certificate.
    // The two configurations differ in the certificate only.
    const anonymous = haproxyConfig(ha).split("\n");
    const hardened = haproxyConfig(plan).split("\n");
    expect(hardened.filter((l) => !anonymous.includes(l))).toEqual([
      "  # the API servers refuse anonymous requests: the checks present a client certificate",
      `  default-server check check-ssl verify none crt ${HAPROXY_CLIENT_PEM} inter 500ms fastinter 250ms fall 2 rise 2`,
    ]);
    expect(anonymous.filter((l) => !hardened.includes(l))).toEqual(["  default-server check check-ssl verify none inter 500ms fastinter 250ms fall 2 rise 2"]);
  });
});
