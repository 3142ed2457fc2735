/**
 * What is known about a static pod when the API server cannot be asked: its state as kubelet's
 * journal reports it (ImagePullBackOff, CrashLoopBackOff, ...) and the last lines of its
 * container's log from /var/log/pods.
 */
import type { JournalExcerpt } from "../errors.js";
import type { LabContext } from "./lab-context.js";
import { exec } from "./node-commands.js";

/** Waiting reasons worth naming. */
const REASONS = [
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
];

/** A static pod's state and last log lines, as a journal-like excerpt. */
export async function staticPodExcerpt(ctx: LabContext, node: string, component: string): Promise<JournalExcerpt> {
  const pod = `${component}-${node}`;
  const script = [
    `journalctl -u kubelet --no-pager -o cat -n 400 | grep -F '"${pod}' | grep -oE '${REASONS.join("|")}' | tail -n 1`,
    "echo ---",
    `log=$(ls -t /var/log/pods/kube-system_${pod}_*/${component}/*.log 2>/dev/null | head -n 1)`,
    `[ -n "$log" ] && tail -n 12 "$log" | cut -d' ' -f4-`,
    "true",
  ].join("\n");
  const r = await exec(ctx, node, ["sh", "-c", script]);
  const [reason = "", log = ""] = r.stdout.split("---\n");
  const logLines = log.trimEnd() ? log.trimEnd().split("\n") : [];
  const state = reason.trim() || (logLines.length ? "started" : "no container yet");
  return { node, unit: `static pod kube-system/${pod} (${state})`, lines: logLines.length ? logLines : ["(no container log)"] };
}
