/**
 * Check (labs that turn the API server's anonymous auth off): a request without credentials gets
 * 401 Unauthorized from each API server (/version, which anyone may read once authenticated) and
 * from each kubelet (/pods on its port 10250, whose anonymous auth kubelab always turns off).
 */
import { shellLine } from "../errors.js";
import { exec, scaledTimeout } from "../pipeline/node-commands.js";
import { certPath } from "../render/node-layout.js";
import { checkResult, type Check } from "./check.js";

/** The kubelet's secure port. */
export const KUBELET_PORT = 10250;

/** Requests without credentials refused. */
export const anonymousAuth: Check = {
  id: "anonymous-auth",
  title: "requests without credentials are refused",
  appliesTo: (plan) => !plan.security.apiAnonymousAuth,
  async run(ctx) {
    const { plan } = ctx;
    const nodes = plan.nodes.filter((n) => n.controlPlane || n.kubelet);
    const curl = (url: string): string[] => ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", String(scaledTimeout(5_000, ctx) / 1000), "--cacert", certPath("ca"), url];
    return Promise.all(
      nodes.map(async (node) => {
        const started = Date.now();
        const targets = [
          ...(node.controlPlane ? [{ what: "the API server", url: `https://127.0.0.1:${plan.api.port}/version`, unit: "kube-apiserver" }] : []),
          ...(node.kubelet ? [{ what: "kubelet", url: `https://${node.ip}:${KUBELET_PORT}/pods`, unit: "kubelet" }] : []),
        ];
        const answers = await Promise.all(
          targets.map(async (t) => {
            const r = await exec(ctx, node.name, curl(t.url));
            return { ...t, code: r.stdout.trim(), error: r.exitCode === 0 ? "" : r.stderr.trim() };
          }),
        );
        const wrong = answers.filter((a) => a.code !== "401");
        return checkResult(anonymousAuth, started, {
          node: node.name,
          status: wrong.length ? "fail" : "pass",
          ran: answers.map((a) => shellLine(curl(a.url))).join("; "),
          saw: answers.map((a) => `${a.what}: ${a.code === "000" ? a.error || "no answer" : `HTTP ${a.code}`}`).join(", "),
          ...(wrong.length
            ? {
                reason: wrong.map((a) => `${a.what} answered ${a.code === "000" ? "nothing" : `HTTP ${a.code}`}, not 401`).join("; "),
                hint: `anonymous auth must be off (--anonymous-auth=false, kubelet's authentication.anonymous.enabled: false): lab logs ${plan.labName} ${node.name} ${wrong[0]!.unit}`,
              }
            : {}),
        });
      }),
    );
  },
};
