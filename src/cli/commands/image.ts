/**
 * `lab image build`: build the node image from the recipe under images/, or with --box the libvirt
 * box made from it.
 */
import type { Command } from "commander";
import { join } from "node:path";
import { ensureNodeBox } from "../../images/node-box.js";
import { cacheHome } from "../../lab-paths.js";
import { DockerProvider } from "../../providers/docker/docker-provider.js";
import { ensureNodeImage } from "../../providers/docker/node-image.js";
import { printResult, reported, type GlobalOptions } from "../output.js";

/** Registers `lab image build`. */
export function imageCommand(program: Command): void {
  const image = program.command("image").description("the node image");
  image
    .command("build")
    .description("build the node image (debootstrap when no registry is reachable); lab up builds it on first use")
    .option("--box", "build the libvirt box for VM labs from the node image (offline; needs root, mkfs.ext4, qemu-img, vagrant)")
    .option("--force", "rebuild even when the current recipe's image (or box) exists")
    .action(async (opts: { box?: boolean; force?: boolean }, cmd: Command) => {
      await reported(cmd, async (global) => {
        const provider = new DockerProvider();
        await provider.preflight();
        const build = { docker: provider.client, workDir: join(cacheHome(), "build"), force: opts.force, onProgress: progress(global) };
        if (opts.box) {
          const report = await ensureNodeBox(build);
          printResult(global, report, () => [
            report.built
              ? `built ${report.box} in ${seconds(report.durationMs)}s (${megabytes(report.sizeBytes)} MB): ${report.boxDir}`
              : `${report.box} is up to date (${megabytes(report.sizeBytes)} MB); --force rebuilds it`,
          ]);
          return;
        }
        const report = await ensureNodeImage(build);
        printResult(global, report, () => [
          report.built
            ? `built ${report.image} from ${report.base === "upstream" ? "debian:bookworm-slim" : "a debootstrap rootfs"} in ${seconds(report.durationMs)}s (${megabytes(report.sizeBytes)} MB)`
            : `${report.image} is up to date (${megabytes(report.sizeBytes)} MB); --force rebuilds it`,
        ]);
      });
    });
}

/** Progress lines on stderr, unless the output is JSON. */
function progress(global: GlobalOptions): ((line: string) => void) | undefined {
  return global.json ? undefined : (line) => process.stderr.write(`  ${line}\n`);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(0);
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(0);
}
