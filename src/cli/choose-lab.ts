/**
 * The lab `lab up` brings up when it is given none: chosen from the lab files on a terminal, and
 * otherwise a usage error listing them.
 */
import { UserError } from "../errors.js";
import { labFiles } from "../lab/lab-files.js";
import { chooseMode, colorEnabled } from "../ui/renderer.js";
import type { GlobalOptions } from "./output.js";

/**
 * Shows the lab files to choose from when stdin and stdout are a terminal (and neither `--json`,
 * CI nor `TERM=dumb` asks for plain output); resolves with the name chosen, or undefined when the
 * user cancelled. Anywhere else, a UserError (exit code 2) with the usage and the lab files.
 */
export async function chooseLab(options: GlobalOptions): Promise<string | undefined> {
  const labs = await labFiles();
  const terminal = process.stdin.isTTY === true && chooseMode({ json: Boolean(options.json), stdout: process.stdout, env: process.env }) === "ink";
  if (!terminal || labs.length === 0) {
    const why = labs.length === 0 ? "there are no lab files to choose from" : "there is no terminal to choose one on";
    throw new UserError(`failed to bring a lab up: no lab was named and ${why}`, {
      hint: `usage: lab up LAB, where LAB is a lab name or a path to a lab file\nlab files: ${labs.map((l) => l.name).join(", ") || "none in ./labs or shipped with kubelab"}`,
      exitCode: 2,
    });
  }
  // Ink takes half a second to load: only when the list is shown.
  const { pickLab } = await import("../ui/ink/pick-lab.js");
  return pickLab(labs, { stdin: process.stdin, stdout: process.stdout, color: colorEnabled(process.env, true) });
}
