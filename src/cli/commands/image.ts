/**
 * `lab image build`: build the node image from the recipe under images/.
 */
import type { Command } from "commander";
import { join } from "node:path";
import { cacheHome } from "../../lab-paths.js";
import { DockerProvider } from "../../providers/docker/docker-provider.js";
import { ensureNodeImage } from "../../providers/docker/node-image.js";
import { printResult, reported } from "../output.js";

/** Registers `lab image build`. */
export function imageCommand(program: Command): void {
  const image = program.command("image").description("the node image");
  image
    .command("build")
    .description("build the node image (debootstrap when no registry is reachable); lab up builds it on first use")
    .option("--force", "rebuild even when the current recipe's image exists")
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      await reported(cmd, async (global) => {
        const provider = new DockerProvider();
        await provider.preflight();
        const report = await ensureNodeImage({
          docker: provider.client,
          workDir: join(cacheHome(), "build"),
          force: opts.force,
          onProgress: global.json ? undefined : (line) => process.stderr.write(`  ${line}\n`),
        });
        printResult(global, report, () => [
          report.built
            ? `built ${report.image} from ${report.base === "upstream" ? "debian:bookworm-slim" : "a debootstrap rootfs"} in ${(report.durationMs / 1000).toFixed(0)}s (${(report.sizeBytes / 1e6).toFixed(0)} MB)`
            : `${report.image} is up to date (${(report.sizeBytes / 1e6).toFixed(0)} MB); --force rebuilds it`,
        ]);
      });
    });
}
