#!/usr/bin/env node
/**
 * The `lab` command line.
 */
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.js";
import { artifactsCommand } from "./commands/artifacts.js";
import { breakHealCommands } from "./commands/break-heal.js";
import { completionCommands } from "./commands/completion.js";
import { doctorCommand } from "./commands/doctor.js";
import { downCommand } from "./commands/down.js";
import { execCommand } from "./commands/exec.js";
import { explainCommand } from "./commands/explain.js";
import { exportImportCommands } from "./commands/export-import.js";
import { graphCommand } from "./commands/graph.js";
import { imageCommand } from "./commands/image.js";
import { imagesCommand } from "./commands/images.js";
import { kubeconfigCommand } from "./commands/kubeconfig.js";
import { listCommand } from "./commands/list.js";
import { logsCommand } from "./commands/logs.js";
import { shellCommand } from "./commands/shell.js";
import { statusCommand } from "./commands/status.js";
import { stopStartCommands } from "./commands/stop-start.js";
import { upCommand } from "./commands/up.js";
import { verifyCommand } from "./commands/verify.js";

// A reader that goes away (`lab verify --json | head`) must not crash a run that is changing a lab.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

// React (under the Ink view) runs its production build, unless NODE_ENV asks for another: the
// development build doubles what the live view costs.
process.env.NODE_ENV ??= "production";

const { version } = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };

const program = new Command("lab")
  .description("Kubernetes labs built the hard way, on one machine, and proven to work")
  .version(version)
  .option("--json", "print machine-readable output (one JSON object per line)")
  .option("-v, --verbose", "show stack traces of bugs and debug lines")
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });
program.exitOverride((err) => {
  // Usage errors (unknown command or option, missing argument) exit 2.
  process.exit(err.exitCode === 0 ? 0 : 2);
});

upCommand(program);
downCommand(program);
stopStartCommands(program);
statusCommand(program);
kubeconfigCommand(program);
listCommand(program);
verifyCommand(program);
logsCommand(program);
execCommand(program);
shellCommand(program);
imageCommand(program);
imagesCommand(program);
artifactsCommand(program);
completionCommands(program);
doctorCommand(program);
graphCommand(program);
explainCommand(program);
breakHealCommands(program);
exportImportCommands(program);

await program.parseAsync(process.argv);
