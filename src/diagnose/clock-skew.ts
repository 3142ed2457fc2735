/**
 * Known cause: clock skew beyond certificate validity. A node whose clock is outside a
 * certificate's validity (the clock behind notBefore, or past notAfter) refuses it, and so does
 * every client that checks it: "x509: certificate has expired or is not yet valid". Every
 * certificate a node holds (its PKI folder, kubelet's own, those inside its kubeconfigs) is
 * checked against the node's own clock, and the node's clock against this machine's.
 */
import type { X509Certificate } from "node:crypto";
import { exec } from "../pipeline/node-commands.js";
import { KUBE_DIR, PKI_DIR } from "../render/node-layout.js";
import { diagnosisOf, type KnownCause } from "./known-cause.js";
import { certificatesIn, embeddedClientCertificates } from "./node-certificates.js";

/** Where kubelet keeps the certificates it makes or is issued (TLS bootstrapping, rotation). */
const KUBELET_PKI_DIR = "/var/lib/kubelet/pki";

/** A node clock this far off the host's is worth saying even when every certificate is valid. */
const NOTABLE_SKEW_MS = 60_000;

/** Prints the node's clock (ms), then each certificate file and kubeconfig with a header line. */
const SCRIPT = [
  "date +%s%3N",
  `for f in ${PKI_DIR}/*.crt ${KUBELET_PKI_DIR}/*.crt ${KUBELET_PKI_DIR}/*.pem ${KUBE_DIR}/*.kubeconfig; do [ -f "$f" ] && { echo "==> $f"; cat "$f"; }; done`,
  "true",
].join("\n");

/** The certificates of each file in the script's output, kubeconfigs' embedded ones included. */
function certificatesByFile(output: string): { file: string; certificate: X509Certificate }[] {
  return output.split(/^==> /m).slice(1).flatMap((chunk) => {
    const newline = chunk.indexOf("\n");
    const file = chunk.slice(0, newline);
    const body = chunk.slice(newline + 1);
    if (!file.endsWith(".kubeconfig")) return certificatesIn(body).map((certificate) => ({ file, certificate }));
    return embeddedClientCertificates(body).map((certificate) => ({ file: `${file} (client-certificate-data)`, certificate }));
  });
}

/** "3 h", "2 d": a duration a person reads at a glance. */
function roughly(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** Certificates outside their validity at a node's clock, and node clocks off this machine's. */
export const clockSkew: KnownCause = {
  id: "clock-skew",
  title: "clock skew beyond certificate validity",
  appliesTo: () => true,
  async find(ctx) {
    const found = await Promise.all(
      ctx.plan.nodes.map(async (node) => {
        const before = Date.now();
        const r = await exec(ctx, node.name, ["sh", "-c", SCRIPT]);
        const hostNow = (before + Date.now()) / 2;
        const nodeNow = Number(r.stdout.split("\n", 1)[0]);
        if (r.exitCode !== 0 || !Number.isFinite(nodeNow)) return [];
        const skew = nodeNow - hostNow;
        const reading = `${new Date(nodeNow).toISOString()}${Math.abs(skew) >= NOTABLE_SKEW_MS ? `, ${roughly(skew)} ${skew > 0 ? "ahead of" : "behind"} this machine's` : ""}`;
        const clock = `${node.name}'s clock (${reading})`;
        const invalid = certificatesByFile(r.stdout).flatMap(({ file, certificate }) => {
          const from = Date.parse(certificate.validFrom);
          const to = Date.parse(certificate.validTo);
          if (nodeNow < from) {
            return [
              diagnosisOf(clockSkew, {
                node: node.name,
                found: `${file} is not valid until ${new Date(from).toISOString()}, ${roughly(from - nodeNow)} later than ${clock}: the clock of the machine that issued it runs ahead of ${node.name}'s`,
                fix: `set ${node.name}'s clock right (timedatectl set-ntp true, or chronyc makestep), or reissue ${file} with its notBefore in the past (kubelab backdates it by 5 min for small skews)`,
                ran: `date; openssl x509 -noout -dates -in ${file}`,
              }),
            ];
          }
          if (nodeNow > to) {
            return [
              diagnosisOf(clockSkew, {
                node: node.name,
                found: `${file} expired ${new Date(to).toISOString()}, ${roughly(nodeNow - to)} before ${clock}`,
                fix: `reissue ${file} from its CA with a validity that covers now${Math.abs(skew) >= NOTABLE_SKEW_MS ? `, or set ${node.name}'s clock right (timedatectl set-ntp true)` : ""}, then restart what uses it`,
                ran: `date; openssl x509 -noout -dates -in ${file}`,
              }),
            ];
          }
          return [];
        });
        if (invalid.length || Math.abs(skew) < NOTABLE_SKEW_MS) return invalid;
        return [
          diagnosisOf(clockSkew, {
            node: node.name,
            found: `${node.name}'s clock reads ${reading}; certificates issued here are not yet valid there for that long, and leases and tokens are judged by a wrong clock`,
            fix: `set ${node.name}'s clock right: timedatectl set-ntp true, or chronyc makestep`,
            ran: "date +%s%3N",
          }),
        ];
      }),
    );
    return found.flat();
  },
};
