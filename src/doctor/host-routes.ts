/**
 * The host's IPv4 routes, from /proc/net/route: networks reachable through an interface or a
 * gateway that a lab's ranges must not overlap (a VPN's routes have no interface address of their
 * own, so interface addresses alone miss them).
 */
import { readFile } from "node:fs/promises";

/** A route to a network. */
export interface HostRoute {
  cidr: string;
  iface: string;
}

/** An address or mask as /proc/net/route writes it: 8 hex digits, in the host's (little-endian) byte order. */
function fromHex(hex: string): number[] {
  const value = Number.parseInt(hex, 16);
  return [0, 8, 16, 24].map((shift) => (value >>> shift) & 0xff);
}

/** The routes of /proc/net/route's text, except the default route; duplicates removed. */
export function parseRoutes(text: string): HostRoute[] {
  const routes = new Map<string, HostRoute>();
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [iface, destination, , , , , , mask] = fields;
    if (!iface || !destination || !mask || !/^[0-9A-Fa-f]{8}$/.test(destination) || !/^[0-9A-Fa-f]{8}$/.test(mask)) continue;
    const bits = fromHex(mask).reduce((sum, byte) => sum + byte.toString(2).replace(/0/g, "").length, 0);
    if (bits === 0) continue;
    const cidr = `${fromHex(destination).join(".")}/${bits}`;
    if (!routes.has(cidr)) routes.set(cidr, { cidr, iface });
  }
  return [...routes.values()];
}

/** The host's routes (none when /proc/net/route cannot be read). */
export async function hostRoutes(): Promise<HostRoute[]> {
  return parseRoutes(await readFile("/proc/net/route", "utf8").catch(() => ""));
}
