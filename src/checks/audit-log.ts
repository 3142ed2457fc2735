/**
 * Check (labs with an audit log): on each API server, a request made by the check (a ConfigMap
 * looked up by a name of its own, on that very API server) is found in the audit log as a JSON
 * event written within the last minute, with who made it; the rotated logs beside it are counted.
 */
import { shellLine } from "../errors.js";
import { kubectlArgv } from "../pipeline/kubectl.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { AUDIT_LOG } from "../render/node-layout.js";
import { runSuffix } from "./check-pods.js";
import { checkResult, type Check } from "./check.js";

/** An audit event, as far as the check reads it. */
interface AuditEvent {
  kind?: string;
  level?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; name?: string };
  responseStatus?: { code?: number };
  stageTimestamp?: string;
}

/** How recent the event must be. */
const RECENT_MS = 60_000;

/** The audit log on each API server. */
export const auditLog: Check = {
  id: "audit-log",
  title: "the API server writes an audit log",
  appliesTo: (plan) => plan.security.audit !== undefined,
  async run(ctx) {
    const dir = AUDIT_LOG.slice(0, AUDIT_LOG.lastIndexOf("/"));
    return Promise.all(
      ctx.plan.api.servers.map(async (node) => {
        const started = Date.now();
        const marker = `kubelab-audit-${runSuffix()}`;
        const request = kubectlArgv([`--server=https://127.0.0.1:${ctx.plan.api.port}`, "get", "configmap", marker, "-n", "kube-system", "--ignore-not-found"]);
        const script = [
          `${shellLine(request)} >/dev/null`,
          `test -s ${AUDIT_LOG} || { echo "no ${AUDIT_LOG}"; exit 1; }`,
          `for i in $(seq 40); do e=$(grep -h ${marker} ${dir}/audit*.log | tail -n 1); [ -n "$e" ] && break; sleep 0.25; done`,
          'echo "now $(date -u +%s)"',
          `echo "rotated $(ls ${dir} | grep -c '^audit-.*\\.log' || true)"`,
          'echo "event $e"',
        ].join("\n");
        const r = await exec(ctx, node.name, ["sh", "-c", script]);
        const line = (key: string): string => r.stdout.match(new RegExp(`^${key} (.*)$`, "m"))?.[1] ?? "";
        const ran = `${shellLine(["kubectl", "get", "configmap", marker, "-n", "kube-system", "--ignore-not-found"])}; grep ${marker} ${dir}/audit*.log`;
        let event: AuditEvent | undefined;
        try {
          event = line("event") ? (JSON.parse(line("event")) as AuditEvent) : undefined;
        } catch {
          event = undefined;
        }
        const nodeNow = Number(line("now")) * 1000;
        const at = event?.stageTimestamp ? Date.parse(event.stageTimestamp) : NaN;
        const recent = Number.isFinite(at) && Math.abs(nodeNow - at) <= RECENT_MS;
        const ok = r.exitCode === 0 && event?.kind === "Event" && event.objectRef?.name === marker && recent;
        const rotated = Number(line("rotated") || 0);
        return checkResult(auditLog, started, {
          node: node.name,
          status: ok ? "pass" : "fail",
          ran,
          saw: ok
            ? `${AUDIT_LOG}: ${event!.level} event "${event!.verb} configmaps/${marker}" by ${event!.user?.username ?? "?"} (${event!.responseStatus?.code ?? "?"}) at ${event!.stageTimestamp}; ${rotated} rotated log${rotated === 1 ? "" : "s"} beside it`
            : event
              ? `the event of ${marker} is from ${event.stageTimestamp ?? "an unknown time"}`
              : lastLines(`${r.stdout}${r.stderr}`, 3).trim() || "(nothing)",
          ...(ok
            ? {}
            : {
                reason: r.exitCode !== 0 ? `the audit log ${AUDIT_LOG} is missing or empty` : event ? "the event is not recent" : `no event of the check's request (${marker}) in the audit log`,
                hint: `kube-apiserver needs --audit-policy-file and --audit-log-path: lab logs ${ctx.plan.labName} ${node.name} kube-apiserver`,
              }),
        });
      }),
    );
  },
};
