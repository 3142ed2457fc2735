/**
 * A systemd service unit from a small description. Commands are written one flag per line, so a
 * learner can read them and a diff shows exactly which flag changed.
 */
import type { Flag } from "./flags.js";
import { renderCommandLine } from "./flags.js";

/** What a service unit says. */
export interface ServiceUnit {
  description: string;
  documentation?: string;
  /**
   * Units this one starts after. Ordering only: a stopped dependency is not started again by this
   * unit starting (or restarting), so a component can be stopped on purpose.
   */
  after?: string[];
  /** Units that must be running for this one (Requires=). */
  requires?: string[];
  binary: string;
  flags: Flag[];
  /** Type= (default simple; "notify" for daemons that signal readiness, like etcd). */
  type?: "simple" | "notify";
  /** Extra [Service] lines, e.g. LimitNOFILE=65536. */
  extra?: string[];
}

/** Renders a service unit file. */
export function renderServiceUnit(unit: ServiceUnit): string {
  const lines = ["[Unit]", `Description=${unit.description}`];
  if (unit.documentation) lines.push(`Documentation=${unit.documentation}`);
  if (unit.after?.length) lines.push(`After=${unit.after.join(" ")}`);
  if (unit.requires?.length) lines.push(`Requires=${unit.requires.join(" ")}`);
  // Keep restarting however often it fails: a lab's units wait for each other by crashing early.
  lines.push("StartLimitIntervalSec=0", "", "[Service]");
  if (unit.type && unit.type !== "simple") lines.push(`Type=${unit.type}`);
  lines.push(`ExecStart=${renderCommandLine(unit.binary, unit.flags, " \\\n  ")}`);
  lines.push("Restart=always", "RestartSec=1");
  lines.push(...(unit.extra ?? []));
  lines.push("", "[Install]", "WantedBy=multi-user.target", "");
  return lines.join("\n");
}
