/**
 * IPv4 address arithmetic for the plan and the validator, on top of cidr-tools and ip-bigint.
 */
import { containsCidr, overlapCidr, parseCidr } from "cidr-tools";
import { ipVersion, parseIp, stringifyIp } from "ip-bigint";

/** True when `text` is a dotted-quad IPv4 address. */
export function isIPv4(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) && text.split(".").every((o) => Number(o) <= 255) && ipVersion(text) === 4;
}

/** Why `text` is not a usable IPv4 network (`a.b.c.d/n` with no host bits set), or undefined. */
export function cidrProblem(text: string): string | undefined {
  const [address, prefix, extra] = text.split("/");
  if (address === undefined || prefix === undefined || extra !== undefined || !isIPv4(address) || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) {
    return `"${text}" is not an IPv4 network in CIDR notation`;
  }
  const normal = networkAddress(text);
  if (normal !== address) return `"${text}" has host bits set: the network is ${normal}/${prefix}`;
  return undefined;
}

/** The prefix length of a CIDR. */
export function prefixLength(cidr: string): number {
  return Number(cidr.split("/")[1]);
}

/** The network address of a CIDR (`10.1.2.3/16` -> `10.1.0.0`). */
export function networkAddress(cidr: string): string {
  return stringifyIp({ number: parseCidr(cidr).start, version: 4 });
}

/** Number of addresses in a CIDR. */
export function size(cidr: string): bigint {
  const p = parseCidr(cidr);
  return p.end - p.start + 1n;
}

/** The address at `offset` from the start of `cidr` (offset 1 is the first host address). */
export function addressAt(cidr: string, offset: number): string {
  const p = parseCidr(cidr);
  const n = p.start + BigInt(offset);
  if (n > p.end || offset < 0) throw new RangeError(`offset ${offset} is outside ${cidr}`);
  return stringifyIp({ number: n, version: 4 });
}

/** The address `offset` past the end of `cidr` (offset 1 is the first address after it). */
export function addressAfter(cidr: string, offset: number): string {
  return stringifyIp({ number: parseCidr(cidr).end + BigInt(offset), version: 4 });
}

/** Offset of `ip` from the start of `cidr`. */
export function offsetOf(cidr: string, ip: string): number {
  return Number(parseIp(ip).number - parseCidr(cidr).start);
}

/** True when `ip` lies in `cidr`. */
export function contains(cidr: string, ip: string): boolean {
  return containsCidr(cidr, ip);
}

/** True when the networks share any address. */
export function overlaps(a: string, b: string): boolean {
  return overlapCidr(a, b);
}

/** The `index`-th subnet of length `prefix` inside `cidr`. */
export function subnetAt(cidr: string, prefix: number, index: number): string {
  const p = parseCidr(cidr);
  const step = 1n << BigInt(32 - prefix);
  const start = p.start + step * BigInt(index);
  if (start + step - 1n > p.end) throw new RangeError(`${cidr} has no room for subnet ${index} of /${prefix}`);
  return `${stringifyIp({ number: start, version: 4 })}/${prefix}`;
}

/** How many subnets of length `prefix` fit in `cidr`. */
export function subnetCount(cidr: string, prefix: number): number {
  const own = prefixLength(cidr);
  return prefix < own ? 0 : 2 ** (prefix - own);
}
