/**
 * Free disk where kubelab writes: the state home (labs' certificates and files), the cache
 * (binaries, image builds) and, with a local engine, Docker's data root (the node image and each
 * node's /var volume). Locations on one file system share its free space, so their needs add up.
 */
import { stat, statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { cacheHome, stateHome } from "../lab-paths.js";
import type { DoctorCheck, DoctorResult } from "./doctor-check.js";
import type { EngineFacts } from "./docker-engine.js";
import { formatMiB } from "./memory.js";

/** A place kubelab writes to, and about how much it needs there. */
export interface DiskLocation {
  label: string;
  path: string;
  needMiB: number;
}

/** Locations on one file system, with its free space. */
export interface DiskGroup {
  locations: DiskLocation[];
  freeMiB: number;
}

/** About what each location needs (README: 1.5 GB for the node image and one version's binaries). */
export const DISK_NEEDS_MIB = { state: 100, cache: 1536, docker: 2048 } as const;

/** The nearest existing folder at or above `path` (a state home that does not exist yet will be made there). */
async function existingAncestor(path: string): Promise<string> {
  for (let p = path; ; p = dirname(p)) {
    if (await stat(p).then(() => true, () => false)) return p;
    if (dirname(p) === p) return p;
  }
}

/** Groups locations by file system and reads each one's free space (for an unprivileged user). */
export async function measureDisk(locations: readonly DiskLocation[]): Promise<DiskGroup[]> {
  const groups = new Map<number, DiskGroup>();
  for (const location of locations) {
    const at = await existingAncestor(location.path);
    const [{ dev }, fs] = await Promise.all([stat(at), statfs(at)]);
    const group = groups.get(dev) ?? { locations: [], freeMiB: Math.floor((fs.bavail * fs.bsize) / 2 ** 20) };
    group.locations.push(location);
    groups.set(dev, group);
  }
  return [...groups.values()];
}

/** The verdict: fail where a file system has less than its locations need, warn under twice that. */
export function diskVerdict(groups: readonly DiskGroup[]): DoctorResult {
  const rated = groups.map((g) => {
    const need = g.locations.reduce((sum, l) => sum + l.needMiB, 0);
    const status = g.freeMiB < need ? "fail" : g.freeMiB < 2 * need ? "warn" : "ok";
    const text = `${g.locations.map((l) => `${l.label} ${l.path}`).join(", ")}: ${formatMiB(g.freeMiB)} free${status === "ok" ? "" : ` (needs about ${formatMiB(need)})`}`;
    return { status, text };
  });
  const status = rated.some((r) => r.status === "fail") ? "fail" : rated.some((r) => r.status === "warn") ? "warn" : "ok";
  return {
    status,
    detail: rated.map((r) => r.text).join("; "),
    ...(status === "ok" ? {} : { fix: "free some space there, or move the state and cache elsewhere with KUBELAB_HOME and KUBELAB_CACHE" }),
  };
}

/** The check of free disk. */
export function diskCheck(engine: () => Promise<EngineFacts>): DoctorCheck {
  return {
    id: "disk",
    title: "free disk",
    run: async () => {
      const locations: DiskLocation[] = [
        { label: "state", path: stateHome(), needMiB: DISK_NEEDS_MIB.state },
        { label: "cache", path: cacheHome(), needMiB: DISK_NEEDS_MIB.cache },
      ];
      const facts = await engine();
      // Only a local engine's data root is on this host's disks.
      if (facts.reachable && facts.rootDir && facts.host.startsWith("unix://")) {
        locations.push({ label: "Docker data root", path: facts.rootDir, needMiB: DISK_NEEDS_MIB.docker });
      }
      return diskVerdict(await measureDisk(locations));
    },
  };
}
