/**
 * Check: every etcd member lists every other as started (`etcdctl member list` over TLS).
 */
import { shellLine } from "../errors.js";
import { renderFlag } from "../render/flags.js";
import { etcdctlFlags } from "../render/etcd.js";
import { exec, lastLines } from "../pipeline/node-commands.js";
import { checkResult, type Check } from "./check.js";

interface MemberList {
  members?: { name?: string; clientURLs?: string[] }[];
}

/** etcd's member list on each member. */
export const etcdMembers: Check = {
  id: "etcd-members",
  title: "etcd members see each other",
  appliesTo: (plan) => plan.etcd.members.length > 0,
  async run(ctx) {
    const tls = etcdctlFlags(ctx.plan).filter(([name]) => name !== "endpoints").map(renderFlag);
    const expected = ctx.plan.etcd.members.map((m) => m.name).sort();
    return Promise.all(
      ctx.plan.etcd.members.map(async (member) => {
        const started = Date.now();
        const argv = ["etcdctl", `--endpoints=${member.clientUrl}`, ...tls, "member", "list", "--write-out=json"];
        const r = await exec(ctx, member.name, argv);
        let names: string[] = [];
        try {
          // A member that has not started yet has no name and no client URLs.
          names = ((JSON.parse(r.stdout) as MemberList).members ?? []).filter((m) => m.name && m.clientURLs?.length).map((m) => m.name!).sort();
        } catch {
          names = [];
        }
        const ok = r.exitCode === 0 && names.join(",") === expected.join(",");
        return checkResult(etcdMembers, started, {
          node: member.name,
          status: ok ? "pass" : "fail",
          ran: shellLine(["etcdctl", `--endpoints=${member.clientUrl}`, "member", "list"]),
          saw: r.exitCode === 0 ? `${names.length} started: ${names.join(", ")}` : lastLines(r.stderr, 2),
          ...(ok ? {} : { reason: `expected ${expected.join(", ")}`, hint: `etcd members reach each other over peer TLS on port 2380: lab logs ${ctx.plan.labName} ${member.name} etcd` }),
        });
      }),
    );
  },
};
