/**
 * `lab artifacts import DIR`: put a folder of binaries into the cache.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { ArtifactCache } from "../../artifacts/artifact-cache.js";
import { importArtifactDir } from "../../artifacts/import-dir.js";
import { printResult, reported } from "../output.js";

/** Registers `lab artifacts`. */
export function artifactsCommand(program: Command): void {
  const artifacts = program.command("artifacts").description("the cache of Kubernetes, etcd, CNI and flannel binaries");
  artifacts
    .command("import")
    .description("import a folder with bin/, cni/ and VERSIONS into the cache (for offline use)")
    .argument("<dir>", "the folder")
    .action(async (dir: string, _opts: unknown, cmd: Command) => {
      await reported(cmd, async (global) => {
        const cache = new ArtifactCache();
        const imported = await importArtifactDir(resolve(dir), cache);
        printResult(global, imported, () =>
          imported.map((m) => `imported ${m.component} ${m.version} (${Object.keys(m.files).length} files) into ${cache.dir(m.component, m.version)}`),
        );
      });
    });
}
