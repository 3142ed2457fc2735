/**
 * Subnets already in use: Docker's networks, the host's interfaces and routes. A new lab's node
 * subnet is picked among the free ones; a named lab's pod network, service range and pinned node
 * subnet must overlap none of them (`lab up` refuses them otherwise).
 */
import { isUserError } from "../errors.js";
import { hostSubnets, pickNodeSubnet } from "../lab/pick-subnet.js";
import { networkAddress, overlaps, prefixLength } from "../plan/ipv4.js";
import { networkName } from "../providers/docker/docker-names.js";
import type { DoctorCheck, DoctorResult } from "./doctor-check.js";
import type { DoctorLab } from "./doctor-lab.js";
import type { EngineFacts } from "./docker-engine.js";
import { hostRoutes } from "./host-routes.js";

/** A network in use and what uses it. */
export interface UsedSubnet {
  cidr: string;
  /** "docker network bridge", "eth0". */
  owner: string;
}

/** The ranges of a named lab. */
export type LabRanges = Pick<DoctorLab, "name" | "network">;

/** The verdict on the networks in use, for a new lab or for `lab`. `used` excludes the lab's own network. */
export function subnetVerdict(used: readonly UsedSubnet[], lab?: LabRanges): DoctorResult {
  const listed = used.map((u) => `${u.cidr} (${u.owner})`).join(", ") || "none";
  const ranges = lab
    ? ([
        ["nodeSubnet", lab.network.nodeSubnet],
        ["podCidr", lab.network.podCidr],
        ["serviceCidr", lab.network.serviceCidr],
      ] as const)
    : [];
  const clashes = ranges.flatMap(([key, range]) => {
    const clash = range === undefined ? undefined : used.find((u) => overlaps(u.cidr, range));
    return clash ? [`network.${key} ${range} overlaps ${clash.cidr} (${clash.owner})`] : [];
  });
  if (lab && clashes.length > 0) {
    return {
      status: "fail",
      detail: `lab ${lab.name}: ${clashes.join("; ")}`,
      fix: `change ${clashes.map((c) => c.split(" ")[0]).join(" and ")} in the lab file to ranges that overlap none of: ${listed}`,
    };
  }
  if (lab?.network.nodeSubnet === undefined) {
    try {
      const picked = pickNodeSubnet(used.map((u) => u.cidr));
      const forLab = lab ? `lab ${lab.name}'s ranges are free; its nodes would get ${picked}` : `a new lab's nodes would get ${picked}`;
      return { status: "ok", detail: `${listed}; ${forLab}` };
    } catch (error) {
      if (!isUserError(error)) throw error;
      return { status: lab ? "fail" : "warn", detail: `${error.message} (in use: ${listed})`, ...(error.hint ? { fix: error.hint } : {}) };
    }
  }
  return { status: "ok", detail: `${listed}; lab ${lab.name}'s ranges are free` };
}

/** Every network in use here: Docker's first (named), then interfaces and routes; `exclude` left out. */
export async function usedSubnets(engine: EngineFacts, exclude?: string): Promise<UsedSubnet[]> {
  // Interfaces give their own address (192.0.2.2/24): networks are compared by network address.
  const network = (cidr: string): string => `${networkAddress(cidr)}/${prefixLength(cidr)}`;
  const own = new Set(engine.reachable ? engine.networks.filter((n) => n.name === exclude).flatMap((n) => n.subnets.map(network)) : []);
  const found = new Map<string, UsedSubnet>();
  const add = (cidr: string, owner: string): void => {
    const key = network(cidr);
    if (!own.has(key) && !found.has(key)) found.set(key, { cidr: key, owner });
  };
  if (engine.reachable) for (const n of engine.networks) if (n.name !== exclude) for (const s of n.subnets) add(s, `docker network ${n.name}`);
  for (const route of await hostRoutes()) add(route.cidr, route.iface);
  for (const cidr of hostSubnets()) add(cidr, "a host interface");
  return [...found.values()];
}

/** The check of subnets in use. */
export function subnetsCheck(engine: () => Promise<EngineFacts>, lab: DoctorLab | undefined): DoctorCheck {
  return {
    id: "subnets",
    title: "subnets in use",
    run: async () => {
      const facts = await engine();
      const verdict = subnetVerdict(await usedSubnets(facts, lab ? networkName(lab.name) : undefined), lab);
      return facts.reachable ? verdict : { ...verdict, detail: `${verdict.detail} (Docker's networks are not known: the engine did not answer)` };
    },
  };
}
