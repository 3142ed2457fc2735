/**
 * Check (labs with Secrets encrypted at rest): a Secret created through the API is read raw from
 * etcd with etcdctl, over TLS with a client certificate, and must start with the aescbc provider's
 * prefix and not hold the value it was given. The Secret is deleted afterwards.
 */
import { randomBytes } from "node:crypto";
import { shellLine } from "../errors.js";
import { tryKubectl } from "../pipeline/kubectl.js";
import { exec, lastLines, scaledTimeout } from "../pipeline/node-commands.js";
import { ENCRYPTED_VALUE_PREFIX } from "../render/encryption-config.js";
import { etcdctlFlags } from "../render/etcd.js";
import { renderFlag } from "../render/flags.js";
import { applyObjects, CHECK_LABEL, CHECK_NAMESPACE, RUN_LABEL, runSuffix } from "./check-pods.js";
import { checkResult, type Check } from "./check.js";

/** Printable characters as they are, every other byte as a dot (etcd's value is binary). */
const PRINTABLE = "LC_ALL=C tr -c '[:print:]' '.'";

/** A Secret read raw from etcd. */
export const encryptionAtRest: Check = {
  id: "encryption-at-rest",
  title: "Secrets are encrypted in etcd",
  appliesTo: (plan) => plan.security.encryptionAtRest === "aescbc" && plan.etcd.members.length > 0,
  async run(ctx) {
    const started = Date.now();
    const suffix = runSuffix();
    const name = `encryption-${suffix}`;
    const value = `kubelab-plaintext-${randomBytes(8).toString("hex")}`;
    await applyObjects(ctx, [
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: CHECK_NAMESPACE, labels: { [CHECK_LABEL]: encryptionAtRest.id, [RUN_LABEL]: suffix } },
        stringData: { value },
      },
    ]);
    const member = ctx.plan.etcd.members[0]!;
    const key = `/registry/secrets/${CHECK_NAMESPACE}/${name}`;
    const etcdctl = ["etcdctl", ...etcdctlFlags(ctx.plan).map(renderFlag), `--command-timeout=${scaledTimeout(5_000, ctx) / 1000}s`, "get", key, "--print-value-only"];
    try {
      const r = await exec(ctx, member.name, ["sh", "-c", `${shellLine(etcdctl)} | ${PRINTABLE}`]);
      const raw = r.stdout;
      const encrypted = raw.startsWith(ENCRYPTED_VALUE_PREFIX);
      const plain = raw.includes(value);
      const ok = encrypted && !plain;
      return [
        checkResult(encryptionAtRest, started, {
          node: member.name,
          status: ok ? "pass" : "fail",
          ran: `kubectl create secret generic -n ${CHECK_NAMESPACE} ${name} --from-literal=value=${value}; ${shellLine(etcdctl)}`,
          saw: ok
            ? `${key} is ${raw.length} bytes starting ${ENCRYPTED_VALUE_PREFIX}, without "${value}"`
            : raw
              ? `${key} starts ${JSON.stringify(raw.slice(0, 60))}${plain ? `, with "${value}" in it` : ""}`
              : lastLines(r.stderr, 3).trim() || "(nothing)",
          ...(ok
            ? {}
            : {
                reason: !raw ? "etcdctl read nothing" : plain ? "the Secret is stored in plain text" : `the Secret does not start with ${ENCRYPTED_VALUE_PREFIX}`,
                hint: `kube-apiserver needs --encryption-provider-config: lab logs ${ctx.plan.labName} ${ctx.plan.api.servers[0]!.name} kube-apiserver`,
              }),
        }),
      ];
    } finally {
      await tryKubectl(ctx, ["delete", "secret", "-n", CHECK_NAMESPACE, "-l", `${CHECK_LABEL}=${encryptionAtRest.id}`, "--ignore-not-found", "--wait=false"]);
    }
  },
};
