import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkServerIdentity, connect, createServer, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyAlgorithm } from "../../src/config/lab-schema.js";
import { loadLabFile } from "../../src/config/load-lab.js";
import { LabPaths } from "../../src/lab-paths.js";
import { packagePath } from "../../src/package-root.js";
import { planLab, type Plan } from "../../src/plan/plan.js";
import { certificateParts, certificateSpecs, type CertificateSpec } from "../../src/pki/certificate-specs.js";
import { ensurePki, type Pki } from "../../src/pki/pki-store.js";
import { checkWithOpenssl, inspect, openssl, snapshot } from "./support.js";

let home: string;
let labCount = 0;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "kubelab-ecdsa-pki-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A shipped lab file's plan at node subnet 172.30.0.0/24, with every key of `algorithm`. */
async function labPlan(file: string, algorithm: KeyAlgorithm): Promise<Plan> {
  const { lab } = await loadLabFile(packagePath("labs", file));
  return planLab({ ...lab, pki: { ...lab.pki, keyAlgorithm: algorithm }, network: { ...lab.network, nodeSubnet: "172.30.0.0/24" } });
}

/** A fresh lab directory under the temporary KUBELAB_HOME. */
function freshPaths(): LabPaths {
  return new LabPaths(`lab-${++labCount}`, { KUBELAB_HOME: home });
}

/** The private key file of every name of a plan's PKI, certificates and the service-account key pair. */
function keyFiles(plan: Plan, paths: LabPaths): string[] {
  return [...certificateSpecs(plan).map((s) => paths.key(s.name)), paths.key("service-account")];
}

/** What `openssl pkey -text` says a private key is: "EC prime256v1" or "RSA 2048". */
async function keyKind(keyFile: string): Promise<string> {
  const text = await openssl(["pkey", "-noout", "-text", "-in", keyFile]);
  const curve = text.match(/ASN1 OID: (\S+)/)?.[1];
  if (curve) return `EC ${curve}`;
  return `RSA ${text.match(/Private-Key: \((\d+) bit/)?.[1]}`;
}

for (const [file, style] of [
  ["coreos-single.yaml", "per-component"],
  ["ha-etcd.yaml", "shared"],
] as const) {
  describe(`an ecdsa PKI for labs/${file} (${style}), made by ensurePki and checked with openssl`, () => {
    let plan: Plan;
    let specs: CertificateSpec[];
    let paths: LabPaths;
    let rsaPaths: LabPaths;
    let pki: Pki;
    let startedAt: number;

    beforeAll(async () => {
      plan = await labPlan(file, "ecdsa");
      specs = certificateSpecs(plan);
      paths = freshPaths();
      rsaPaths = freshPaths();
      startedAt = Date.now();
      [pki] = await Promise.all([ensurePki(plan, paths), ensurePki(await labPlan(file, "rsa"), rsaPaths)]);
    });

    it("is the lab's own layout, with ECDSA keys", () => {
      expect(plan.pkiStyle).toBe(style);
      expect(plan.pkiKeyAlgorithm).toBe("ecdsa");
      expect(pki.regenerated).toEqual([...specs.map((s) => s.name), "service-account"]);
    });

    it("every certificate verifies against its CA with openssl verify for each of its purposes, is ECDSA P-256 signed ecdsa-with-SHA256, matches its spec and its key", async () => {
      await Promise.all(specs.map((spec) => checkWithOpenssl(spec, paths, startedAt, "ecdsa")));
    });

    it("every certificate says what the RSA one of the same spec says, but for the key, the signature and a leaf's key usage", async () => {
      for (const spec of specs) {
        const [ecdsa, rsa] = await Promise.all([inspect(paths.cert(spec.name)), inspect(rsaPaths.cert(spec.name))]);
        const same = ({ version, subject, issuer, basicConstraints, extKeyUsage, san, hasSki, hasAki }: typeof ecdsa) =>
          ({ version, subject, issuer, basicConstraints, extKeyUsage, san, hasSki, hasAki });
        expect(same(ecdsa), spec.name).toEqual(same(rsa));
        expect([ecdsa.signature, ecdsa.publicKeyAlgorithm, ecdsa.curve], spec.name).toEqual(["ecdsa-with-SHA256", "id-ecPublicKey", "prime256v1"]);
        expect([rsa.signature, rsa.publicKeyAlgorithm, rsa.bits], spec.name).toEqual(["sha256WithRSAEncryption", "rsaEncryption", "2048"]);
        if (spec.isCA) expect(ecdsa.keyUsage, spec.name).toEqual(rsa.keyUsage);
        else expect([ecdsa.keyUsage.value, rsa.keyUsage.value], spec.name).toEqual(["Digital Signature", "Digital Signature, Key Encipherment"]);
      }
    });

    it("writes every private key as SEC1 PEM on P-256, 0600, and a service-account public key that is its private key's", async () => {
      for (const keyFile of keyFiles(plan, paths)) {
        expect(await readFile(keyFile, "utf8"), keyFile).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----\n$/);
        expect(await keyKind(keyFile), keyFile).toBe("EC prime256v1");
      }
      const pubFile = join(paths.pkiDir, "service-account.pub");
      expect(pki.serviceAccount.publicKeyPem).toBe(await readFile(pubFile, "utf8"));
      expect(pki.serviceAccount.privateKeyPem).toBe(await readFile(paths.key("service-account"), "utf8"));
      expect(await openssl(["pkey", "-pubin", "-in", pubFile])).toBe(await openssl(["pkey", "-pubout", "-in", paths.key("service-account")]));
    });

    it("regenerates nothing on a rerun with the same plan", async () => {
      const before = await snapshot(paths);
      const again = await ensurePki(plan, paths);
      expect(again.regenerated).toEqual([]);
      expect(await snapshot(paths)).toEqual(before);
    });

    it("serves mutual TLS: the API server's certificate and key, trusting the CA, accept the admin's, and the server names the API's addresses", async () => {
      const api = pki.get(certificateParts(plan).apiServer);
      const ca = pki.caCertPem("ca");
      const tlsServer = createServer({ cert: api.certPem, key: api.keyPem, ca, requestCert: true, rejectUnauthorized: false }, (socket) => {
        const cn = (socket.getPeerCertificate().subject as { CN?: string } | undefined)?.CN;
        socket.end(`${cn} ${socket.authorized ? "authorized" : `refused: ${String(socket.authorizationError)}`}\n`);
      });
      tlsServer.listen(0, "127.0.0.1");
      await once(tlsServer, "listening");
      const { port } = tlsServer.address() as AddressInfo;
      const hello = async (client: string, host: string): Promise<{ said: string; curve: string | undefined }> => {
        const { certPem, keyPem } = pki.get(client);
        const socket: TLSSocket = connect({ host: "127.0.0.1", port, ca, cert: certPem, key: keyPem, checkServerIdentity: (_, cert) => checkServerIdentity(host, cert) });
        let said = "";
        socket.setEncoding("utf8").on("data", (chunk: string) => (said += chunk));
        await once(socket, "secureConnect");
        const curve = socket.getPeerCertificate().asn1Curve;
        await once(socket, "end");
        return { said: said.trim(), curve };
      };
      try {
        for (const host of [plan.api.address, plan.network.serviceIp, "127.0.0.1", "kubernetes.default.svc.cluster.local"]) {
          expect(await hello("admin", host), host).toEqual({ said: "admin authorized", curve: "prime256v1" });
        }
        expect((await hello("front-proxy-client", "127.0.0.1")).said).toBe("front-proxy-client refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      } finally {
        tlsServer.close();
      }
    });
  });
}

describe("ensurePki when a lab changes its key algorithm", () => {
  it("from rsa to ecdsa: every key and certificate is made again, ECDSA, and the rerun keeps them", async () => {
    const paths = freshPaths();
    const rsa = await labPlan("coreos-single.yaml", "rsa");
    await ensurePki(rsa, paths);
    for (const keyFile of keyFiles(rsa, paths)) expect(await keyKind(keyFile), keyFile).toBe("RSA 2048");

    const ecdsa = await labPlan("coreos-single.yaml", "ecdsa");
    const startedAt = Date.now();
    const pki = await ensurePki(ecdsa, paths);
    const specs = certificateSpecs(ecdsa);
    expect(pki.regenerated).toEqual([...specs.map((s) => s.name), "service-account"]);
    for (const keyFile of keyFiles(ecdsa, paths)) expect(await keyKind(keyFile), keyFile).toBe("EC prime256v1");
    await Promise.all(specs.map((spec) => checkWithOpenssl(spec, paths, startedAt, "ecdsa")));
    expect((await ensurePki(ecdsa, paths)).regenerated).toEqual([]);
  });

  it("and back to rsa: every key and certificate is RSA again", async () => {
    const paths = freshPaths();
    await ensurePki(await labPlan("coreos-single.yaml", "ecdsa"), paths);
    const rsa = await labPlan("coreos-single.yaml", "rsa");
    const startedAt = Date.now();
    const pki = await ensurePki(rsa, paths);
    const specs = certificateSpecs(rsa);
    expect(pki.regenerated).toEqual([...specs.map((s) => s.name), "service-account"]);
    for (const keyFile of keyFiles(rsa, paths)) expect(await keyKind(keyFile), keyFile).toBe("RSA 2048");
    await Promise.all(specs.map((spec) => checkWithOpenssl(spec, paths, startedAt, "rsa")));
  });
});
