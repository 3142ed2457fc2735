/**
 * Picking a free node subnet for a lab that does not pin one: the first /24 of 172.30.0.0/15 that
 * overlaps nothing the engine or the host already uses, nor the lab's own pod and service ranges,
 * nor another lab's (whose network may not exist yet). Labs brought up at the same time pick one
 * after the other (a host-wide lock held until the pick is in the lab's state).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { networkInterfaces } from "node:os";
import { UserError } from "../errors.js";
import { lockFile, type FileLock } from "../file-lock.js";
import { labsDir, LabPaths, stateHome } from "../lab-paths.js";
import { readLabState } from "../lab-state.js";
import { overlaps, subnetAt, subnetCount } from "../plan/ipv4.js";

/** The pool node subnets are picked from. */
export const SUBNET_POOL = "172.30.0.0/15";

/** The pool's first /24: where a lab without a node subnet yet is planned when addresses do not matter (or are only shown). */
export const FIRST_POOL_SUBNET = subnetAt(SUBNET_POOL, 24, 0);

/** The first /24 of the pool clashing with none of `taken`. */
export function pickNodeSubnet(taken: readonly string[]): string {
  for (let i = 0; i < subnetCount(SUBNET_POOL, 24); i++) {
    const candidate = subnetAt(SUBNET_POOL, 24, i);
    if (!taken.some((t) => overlaps(candidate, t))) return candidate;
  }
  throw new UserError(`failed to pick a node subnet: every /24 of ${SUBNET_POOL} is in use`, {
    hint: "set network.nodeSubnet in the lab file, or remove labs and Docker networks you no longer use",
  });
}

/** IPv4 networks of the host's own interfaces. */
export function hostSubnets(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((a) => (a && a.family === "IPv4" && a.cidr && !a.internal ? [a.cidr] : []));
}

/** How long a lab waits for another one's pick before giving up. */
const PICK_WAIT_MS = 60_000;

/** Takes the host-wide lock under which a lab picks its node subnet and records it; waits for another lab's pick. */
export async function lockSubnetPicking(command: string): Promise<FileLock> {
  const deadline = Date.now() + PICK_WAIT_MS;
  return lockFile(join(stateHome(), "subnets.lock"), command, async (holder) => {
    if (Date.now() > deadline) {
      throw new UserError(`failed to pick a node subnet: pid ${holder.pid} (lab ${holder.command}) has held the pick for over ${PICK_WAIT_MS / 1000}s`, {
        hint: `if that process is stuck, stop it, or remove ${join(stateHome(), "subnets.lock")}`,
      });
    }
    return 50;
  });
}

/** The node subnets recorded by every other lab's state. */
export async function otherLabsSubnets(lab: string): Promise<string[]> {
  const names = (await readdir(labsDir()).catch(() => [])).filter((n) => n !== lab);
  const states = await Promise.all(names.map((n) => readLabState(new LabPaths(n))));
  return states.flatMap((s) => (s?.nodeSubnet ? [s.nodeSubnet] : []));
}
