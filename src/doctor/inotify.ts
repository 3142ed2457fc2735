/**
 * inotify limits. Every node's systemd, containerd and kubelet watch files under the host's
 * per-user limits; below kind's recommended values, nodes of bigger labs fail with "too many open
 * files". The fix is a sysctl, which the doctor prints and never runs.
 */
import { readFile } from "node:fs/promises";
import type { DoctorCheck, DoctorResult } from "./doctor-check.js";

/** The limits, as kind recommends them. */
export const INOTIFY_MINIMUMS = { max_user_watches: 524288, max_user_instances: 512 } as const;

/** A limit's name under fs.inotify. */
export type InotifyLimit = keyof typeof INOTIFY_MINIMUMS;

/** The host's limits. */
export type InotifyLimits = Record<InotifyLimit, number>;

/** Reads the limits from /proc/sys/fs/inotify. */
export async function readInotifyLimits(): Promise<InotifyLimits> {
  const read = async (name: InotifyLimit): Promise<number> => Number((await readFile(`/proc/sys/fs/inotify/${name}`, "utf8")).trim());
  return { max_user_watches: await read("max_user_watches"), max_user_instances: await read("max_user_instances") };
}

/** The verdict on the limits: warn for each below its minimum, with the sysctl that raises it. */
export function inotifyVerdict(limits: InotifyLimits): DoctorResult {
  const names = Object.keys(INOTIFY_MINIMUMS) as InotifyLimit[];
  const low = names.filter((n) => limits[n] < INOTIFY_MINIMUMS[n]);
  const shown = names.map((n) => `${n} ${limits[n]}`).join(", ");
  if (low.length === 0) return { status: "ok", detail: shown };
  const settings = low.map((n) => `fs.inotify.${n}=${INOTIFY_MINIMUMS[n]}`);
  return {
    status: "warn",
    detail: `${low.map((n) => `${n} ${limits[n]} is below ${INOTIFY_MINIMUMS[n]}`).join(", ")}: nodes of bigger labs may fail with "too many open files"`,
    fix: [
      `sudo sysctl -w ${settings.join(" ")}`,
      `to keep it after a reboot: printf '%s\\n' ${settings.map((s) => `'${s.replace("=", " = ")}'`).join(" ")} | sudo tee /etc/sysctl.d/99-inotify.conf`,
    ].join("\n"),
  };
}

/** The check of the inotify limits. */
export function inotifyCheck(): DoctorCheck {
  return { id: "inotify", title: "inotify limits", run: async () => inotifyVerdict(await readInotifyLimits()) };
}
