#!/usr/bin/env node
/**
 * The `lab` command line.
 */
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.js";

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

/** Each command module, by the commands it adds, in the order `lab --help` lists them. */
const COMMANDS: { names: readonly string[]; load: () => Promise<(program: Command) => void> }[] = [
  { names: ["up"], load: async () => (await import("./commands/up.js")).upCommand },
  { names: ["down"], load: async () => (await import("./commands/down.js")).downCommand },
  { names: ["stop", "start"], load: async () => (await import("./commands/stop-start.js")).stopStartCommands },
  { names: ["status"], load: async () => (await import("./commands/status.js")).statusCommand },
  { names: ["kubeconfig"], load: async () => (await import("./commands/kubeconfig.js")).kubeconfigCommand },
  { names: ["list"], load: async () => (await import("./commands/list.js")).listCommand },
  { names: ["verify"], load: async () => (await import("./commands/verify.js")).verifyCommand },
  { names: ["logs"], load: async () => (await import("./commands/logs.js")).logsCommand },
  { names: ["exec"], load: async () => (await import("./commands/exec.js")).execCommand },
  { names: ["shell"], load: async () => (await import("./commands/shell.js")).shellCommand },
  { names: ["image"], load: async () => (await import("./commands/image.js")).imageCommand },
  { names: ["images"], load: async () => (await import("./commands/images.js")).imagesCommand },
  { names: ["artifacts"], load: async () => (await import("./commands/artifacts.js")).artifactsCommand },
  // Completion reads every command's arguments and options: it never runs alone.
  { names: [], load: async () => (await import("./commands/completion.js")).completionCommands },
  { names: ["doctor"], load: async () => (await import("./commands/doctor.js")).doctorCommand },
  { names: ["graph"], load: async () => (await import("./commands/graph.js")).graphCommand },
  { names: ["explain"], load: async () => (await import("./commands/explain.js")).explainCommand },
  { names: ["break", "heal"], load: async () => (await import("./commands/break-heal.js")).breakHealCommands },
  { names: ["export", "import"], load: async () => (await import("./commands/export-import.js")).exportImportCommands },
];

// A command named first loads only its own module (`lab explain` need not load Docker's client);
// anything else (help, completion, global options first) loads them all.
const named = COMMANDS.filter((c) => c.names.includes(process.argv[2] ?? ""));
for (const register of await Promise.all((named.length ? named : COMMANDS).map((c) => c.load()))) register(program);

await program.parseAsync(process.argv);
