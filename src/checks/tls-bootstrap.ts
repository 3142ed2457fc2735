/**
 * Check (labs whose kubelets join by TLS bootstrapping): on each kubelet node, the client
 * certificate kubelet uses (/var/lib/kubelet/pki/kubelet-client-current.pem) is the node's
 * (CN=system:node:NAME, O=system:nodes), issued by the lab's CA and in date; kubelet has no client
 * certificate from kubelab and rotates its own; and the node's certificate signing requests for
 * the kubelet client signer, asked for by the bootstrap token's user (the first) or by the node
 * itself (renewals), were approved and issued. The controller manager deletes issued requests
 * after an hour: when none is left, the certificate alone says the node joined this way.
 */
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { shellLine } from "../errors.js";
import { adminNode, kubeletNodes } from "../plan/plan.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { readLabSecrets } from "../secrets/lab-secrets.js";
import { KUBELET_CLIENT_CERT, KUBELET_CONFIG, kubeconfigPath } from "../render/node-layout.js";
import { bootstrapUser, KUBELET_CLIENT_SIGNER } from "../render/tls-bootstrap.js";
import { checkResult, type Check } from "./check.js";

/** A certificate signing request, as far as the check reads it. */
interface Csr {
  metadata: { name: string };
  spec: { signerName?: string; username?: string };
  status: { conditions?: { type: string; reason?: string }[]; certificate?: string };
}

/** What the check reads on a kubelet node. */
function nodeScript(): string {
  return [
    `echo "file $(readlink -f ${KUBELET_CLIENT_CERT})"`,
    `echo "rotate $(grep -c '^rotateCertificates: true$' ${KUBELET_CONFIG} || true)"`,
    `echo "kubelab-kubeconfig $(test -e ${kubeconfigPath("kubelet")} && echo present || echo absent)"`,
    `sed -n '/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p' ${KUBELET_CLIENT_CERT}`,
  ].join("\n");
}

/** The subject's value for `key` (CN, O) of a certificate's subject text. */
function subjectField(subject: string, key: string): string[] {
  return subject
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

/** Each node's client certificate, signed through a CSR. */
export const tlsBootstrap: Check = {
  id: "tls-bootstrap",
  title: "kubelet joined by TLS bootstrapping",
  appliesTo: (plan) => plan.security.kubeletBootstrap === "token" && kubeletNodes(plan).length > 0,
  async run(ctx) {
    const started = Date.now();
    const [secrets, caPem, csrs] = await Promise.all([
      readLabSecrets(ctx.paths),
      readFile(ctx.paths.cert("ca"), "utf8"),
      tryKubectl(ctx, ["get", "csr", "-o", "json"]),
    ]);
    const ca = new X509Certificate(caPem);
    const tokenUser = secrets.bootstrapToken ? bootstrapUser(secrets.bootstrapToken) : "system:bootstrap:?";
    const requests = csrs.exitCode === 0 ? (JSON.parse(csrs.stdout) as { items: Csr[] }).items : [];
    return Promise.all(
      kubeletNodes(ctx.plan).map(async (node) => {
        const r = await exec(ctx, node.name, ["sh", "-c", nodeScript()]);
        const line = (key: string): string => r.stdout.match(new RegExp(`^${key} (.*)$`, "m"))?.[1] ?? "";
        const pem = r.stdout.slice(r.stdout.indexOf("-----BEGIN CERTIFICATE-----"));
        const problems: string[] = [];
        let cert: X509Certificate | undefined;
        try {
          cert = new X509Certificate(pem);
        } catch {
          problems.push(`no certificate in ${KUBELET_CLIENT_CERT}`);
        }
        const user = `system:node:${node.name}`;
        if (cert) {
          if (subjectField(cert.subject, "CN")[0] !== user || !subjectField(cert.subject, "O").includes("system:nodes")) {
            problems.push(`its subject is ${cert.subject.replace(/\n/g, ", ")}, not CN=${user}, O=system:nodes`);
          }
          if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) problems.push("it is not signed by the lab's CA");
          if (Date.parse(cert.validTo) < Date.now()) problems.push(`it expired on ${cert.validTo}`);
        }
        if (line("rotate") !== "1") problems.push(`${KUBELET_CONFIG} does not turn rotateCertificates on`);
        if (line("kubelab-kubeconfig") !== "absent") problems.push(`${kubeconfigPath("kubelet")} holds a client certificate from kubelab`);
        if (csrs.exitCode !== 0) problems.push(`kubectl get csr failed: ${lastLines(csrs.stderr, 1)}`);

        // The node's requests: those whose issued certificate names it.
        const mine = requests.filter((csr) => {
          if (csr.spec.signerName !== KUBELET_CLIENT_SIGNER) return false;
          if (!csr.status.certificate) return csr.spec.username === user || csr.spec.username === tokenUser;
          try {
            return subjectField(new X509Certificate(Buffer.from(csr.status.certificate, "base64")).subject, "CN")[0] === user;
          } catch {
            return false;
          }
        });
        for (const csr of mine) {
          const approved = csr.status.conditions?.find((c) => c.type === "Approved");
          if (!approved || !csr.status.certificate) problems.push(`${csr.metadata.name} by ${csr.spec.username} is ${approved ? "approved but not issued" : "not approved"}`);
          else if (csr.spec.username !== tokenUser && csr.spec.username !== user) problems.push(`${csr.metadata.name} was asked for by ${csr.spec.username}`);
        }
        const describe = (csr: Csr): string =>
          `${csr.metadata.name} by ${csr.spec.username} ${csr.status.conditions?.find((c) => c.type === "Approved")?.reason ?? "approved"}`;
        const history = mine.length ? `CSR ${mine.map(describe).join(", ")}, issued` : "its CSRs already cleaned up (the controller manager deletes issued ones after an hour)";
        const ok = problems.length === 0;
        return checkResult(tlsBootstrap, started, {
          node: node.name,
          status: ok ? "pass" : "fail",
          ran: `${shellLine(["kubectl", "get", "csr", "-o", "json"])}; the certificate of ${KUBELET_CLIENT_CERT} on ${node.name}, checked against the lab's CA; grep rotateCertificates ${KUBELET_CONFIG}`,
          saw: ok
            ? `${history}; ${line("file")}: CN=${user}, O=system:nodes, issued by the lab's CA, valid until ${cert!.validTo}; rotation on`
            : problems.join("; "),
          ...(ok ? {} : { reason: problems[0]!, hint: `lab logs ${ctx.plan.labName} ${node.name} kubelet (and kube-controller-manager on ${adminNode(ctx.plan).name})` }),
        });
      }),
    );
  },
};
