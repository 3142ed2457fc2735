/**
 * Where a lab argument points: a path to a YAML file, or a name looked up in ./labs and then in
 * the labs shipped with kubelab.
 */
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { packagePath } from "../package-root.js";

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** True when the argument is a file path rather than a lab name. */
export function isLabPath(arg: string): boolean {
  return /\.ya?ml$/.test(arg) || arg.includes("/");
}

/** The lab file for `arg`. */
export async function findLabFile(arg: string, cwd = process.cwd()): Promise<string> {
  if (isLabPath(arg)) {
    const path = resolve(cwd, arg);
    if (await exists(path)) return path;
    throw new UserError(`failed to find lab file ${arg}`, { exitCode: 2 });
  }
  const candidates = [join(cwd, "labs", `${arg}.yaml`), packagePath("labs", `${arg}.yaml`)];
  for (const c of candidates) if (await exists(c)) return c;
  throw new UserError(`failed to find lab ${arg}`, {
    hint: `looked for ${candidates.join(" and ")}; \`lab list --available\` shows the labs there are`,
    exitCode: 2,
  });
}
