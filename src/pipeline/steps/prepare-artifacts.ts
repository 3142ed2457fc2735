/**
 * Step: find the lab's binaries (lab folder, cache, or a verified download) and any replaced by
 * `--with`.
 */
import { resolveArtifacts } from "../../artifacts/resolve-artifacts.js";
import type { Step } from "../step.js";

/** Resolves the binaries every node will run. */
export const prepareArtifacts: Step = {
  id: "artifacts",
  title: "Finding binaries",
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
