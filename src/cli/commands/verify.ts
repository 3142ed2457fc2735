/**
 * `lab verify NAME`: run a lab's checks again.
 */
import type { Command } from "commander";
import { labVerify } from "../../lab/lab-verify.js";
import { runAbortController } from "../../pipeline/run-abort.js";
import { eventRenderer } from "../event-output.js";
import { reportError, type GlobalOptions } from "../output.js";

/** Registers `lab verify`. */
export function verifyCommand(program: Command): void {
  program
    .command("verify")
    .description("run a lab's checks again; --json prints one result object per line")
    .argument("<lab>", "the lab's name")
    .option("--failover", "also run the failover drills: stop an API server behind the load balancer, an etcd member (3 or more), the controller manager's leader; each is started again")
    .action(async (lab: string, opts: { failover?: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const renderer = eventRenderer(global);
      try {
        const result = await labVerify(lab, renderer.sink, { failover: opts.failover, signal: runAbortController().signal });
        await renderer.close();
        process.exitCode = result.ok ? 0 : 1;
      } catch (error) {
        await renderer.close();
        process.exitCode = reportError(error, global);
      }
    });
}
