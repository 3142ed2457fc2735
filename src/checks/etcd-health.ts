/**
 * Check: every etcd member answers `etcdctl endpoint health` over TLS with a client certificate.
 */
import { shellLine } from "../errors.js";
import { renderFlag } from "../render/flags.js";
import { etcdctlFlags } from "../render/etcd.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

/** etcd health on each member. */
export const etcdHealth: Check = {
  id: "etcd-health",
  title: "etcd is healthy",
  appliesTo: (plan) => plan.etcd.members.length > 0,
  async run(ctx) {
    const tls = etcdctlFlags(ctx.plan).filter(([name]) => name !== "endpoints").map(renderFlag);
    return Promise.all(
      ctx.plan.etcd.members.map(async (member) => {
        const started = Date.now();
        const argv = ["etcdctl", `--endpoints=${member.clientUrl}`, ...tls, "endpoint", "health"];
        const r = await exec(ctx, member.name, argv);
        const saw = lastLines(`${r.stdout}${r.stderr}`, 3).trim();
        const ok = r.exitCode === 0 && / is healthy/.test(saw);
        return checkResult(etcdHealth, started, {
          node: member.name,
          status: ok ? "pass" : "fail",
          ran: shellLine(argv),
          saw,
          ...(ok ? {} : { reason: `etcdctl exited ${r.exitCode}`, hint: `read etcd's log: lab logs ${ctx.plan.labName} ${member.name} etcd` }),
        });
      }),
    );
  },
};
