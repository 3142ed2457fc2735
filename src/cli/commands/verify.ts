/**
 * `lab verify NAME`: run a lab's checks again.
 */
import type { Command } from "commander";
import { labVerify } from "../../lab/lab-verify.js";
import { runRendered } from "../event-output.js";
import type { GlobalOptions } from "../output.js";

/** Registers `lab verify`. */
export function verifyCommand(program: Command): void {
  program
    .command("verify")
    .description("run a lab's checks again; --json prints one result object per line")
    .argument("<lab>", "the lab's name")
    .option("--security", "also audit every node: private keys and kubeconfigs 0600, etcd data 0700, CA keys only where something signs, API server and kubelet authentication and authorization flags")
    .option("--failover", "also run the failover drills: stop an API server behind the load balancer, an etcd member (3 or more), the controller manager's leader; each is started again")
    .option("--step <step>", "instead of the checks, check one step's work (after lab up --until STEP and doing the step by hand)")
    .action(async (lab: string, opts: { failover?: boolean; security?: boolean; step?: string }, cmd: Command) => {
      await runRendered(cmd.optsWithGlobals<GlobalOptions>(), (emit, signal) =>
        labVerify(lab, emit, { failover: opts.failover, security: opts.security, step: opts.step, signal }),
      );
    });
}
