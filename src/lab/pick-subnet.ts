/**
 * Picking a free node subnet for a lab that does not pin one: the first /24 of 172.30.0.0/15 that
 * overlaps nothing the engine or the host already uses, nor the lab's own pod and service ranges.
 */
import { networkInterfaces } from "node:os";
import { UserError } from "../errors.js";
import { overlaps, subnetAt, subnetCount } from "../plan/ipv4.js";

/** The pool node subnets are picked from. */
export const SUBNET_POOL = "172.30.0.0/15";

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
