/**
 * Step: find the lab's binaries (lab folder, cache, or a verified download) and any replaced by
 * `--with`.
 */
import { resolveArtifacts } from "../../artifacts/resolve-artifacts.js";
import { hostAction } from "../explanation.js";
import type { Step } from "../step.js";

/** Resolves the binaries every node will run. */
export const prepareArtifacts: Step = {
  id: "artifacts",
  title: "Finding binaries",
  explain: (plan) => ({
    what:
      "Every node runs the same binaries: Kubernetes " +
      `${plan.kubernetes.raw}, etcd ${plan.etcdVersion} and the CNI plugins ${plan.cniVersion}${plan.flannelVersion ? `, flannel ${plan.flannelVersion}` : ""}. ` +
      "kubelab finds them in the lab's own folder, its cache, or downloads them and checks their SHA-256, then shares them read-only into the nodes.",
    actions: [hostAction("find each binary (the lab's artifacts folder, the cache, a verified download, or a --with replacement) and record its checksum")],
  }),
  async run(ctx) {
    ctx.results.artifacts = await resolveArtifacts(ctx.plan, ctx.lab.artifacts, {
      cache: ctx.cache,
      with: ctx.options.with,
      labDir: ctx.options.labDir,
      onProgress: (message, done, total) => ctx.emit({ type: "progress", step: "artifacts", message, done, total }),
    });
    for (const s of ctx.results.artifacts.sources) {
      const what = s.binary ? `${s.binary} (custom)` : `${s.component} ${s.version}`;
      ctx.emit({ type: "log", level: "info", step: "artifacts", message: `${what}: ${s.from} ${s.path}` });
    }
  },
};
