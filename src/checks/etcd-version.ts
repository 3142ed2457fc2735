/**
 * Check: every etcd member answers /version over TLS with a client certificate (the guide's
 * `curl https://<member>:2379/version`).
 */
import { shellLine } from "../errors.js";
import { certificateParts } from "../pki/certificate-specs.js";
import { certPath, keyPath } from "../render/node-layout.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";
import { scaledTimeout } from "../pipeline/node-commands.js";

/** etcd /version on each member. */
export const etcdVersion: Check = {
  id: "etcd-version",
  title: "etcd answers /version",
  appliesTo: (plan) => plan.etcd.members.length > 0,
  async run(ctx) {
    return Promise.all(
      ctx.plan.etcd.members.map(async (member) => {
        const started = Date.now();
        const argv = [
          "curl", "-fsS", "--max-time", String(scaledTimeout(5_000, ctx) / 1000),
          "--cacert", certPath(certificateParts(ctx.plan).etcdCa),
          "--cert", certPath("etcd-healthcheck-client"),
          "--key", keyPath("etcd-healthcheck-client"),
          `${member.clientUrl}/version`,
        ];
        const r = await exec(ctx, member.name, argv);
        let saw = lastLines(`${r.stdout}${r.stderr}`, 3).trim();
        let ok = false;
        try {
          const v = JSON.parse(r.stdout) as { etcdserver?: string; etcdcluster?: string };
          ok = r.exitCode === 0 && Boolean(v.etcdserver);
          if (ok) saw = `etcdserver ${v.etcdserver}, etcdcluster ${v.etcdcluster}`;
        } catch {
          ok = false;
        }
        return checkResult(etcdVersion, started, {
          node: member.name,
          status: ok ? "pass" : "fail",
          ran: shellLine(argv),
          saw,
          ...(ok ? {} : { reason: `curl exited ${r.exitCode}`, hint: `lab logs ${ctx.plan.labName} ${member.name} etcd` }),
        });
      }),
    );
  },
};
