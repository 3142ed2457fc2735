/**
 * Kubernetes versions: parsing, comparison, and the versions of etcd and the CNI plugins that go
 * with a Kubernetes release when a lab does not pin them.
 */
import semver from "semver";

/** A parsed Kubernetes release version. */
export interface KubeVersion {
  /** As written, e.g. "v1.20.2". */
  readonly raw: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Parses "v1.20.2". Throws RangeError on anything else (the schema rejects it earlier). */
export function parseKubeVersion(raw: string): KubeVersion {
  const v = semver.parse(raw.replace(/^v/, ""));
  if (!v || !raw.startsWith("v")) throw new RangeError(`not a Kubernetes version: ${raw}`);
  return { raw, major: v.major, minor: v.minor, patch: v.patch };
}

/** True when `v` is at least `major.minor`. */
export function atLeast(v: KubeVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * etcd release each Kubernetes minor was validated with (from the Kubernetes release notes'
 * "Dependencies" sections); newer minors use the last entry.
 */
const ETCD_FOR_MINOR: ReadonlyArray<[minor: number, etcd: string]> = [
  [17, "v3.4.3"],
  [19, "v3.4.13"],
  [22, "v3.5.0"],
  [23, "v3.5.1"],
  [26, "v3.5.6"],
  [28, "v3.5.9"],
  [30, "v3.5.12"],
  [31, "v3.5.15"],
  [32, "v3.5.16"],
  [33, "v3.5.21"],
];

/** The etcd release that goes with a Kubernetes version. */
export function defaultEtcdVersion(v: KubeVersion): string {
  let chosen = ETCD_FOR_MINOR[0]![1];
  for (const [minor, etcd] of ETCD_FOR_MINOR) if (v.minor >= minor) chosen = etcd;
  return chosen;
}

/** The CNI plugins release labs use when they do not pin one. */
export function defaultCniVersion(v: KubeVersion): string {
  return atLeast(v, 1, 25) ? "v1.5.1" : "v1.1.1";
}

/** The flannel release labs use when they do not pin one (etcd v3 API, vxlan backend). */
export const DEFAULT_FLANNEL_VERSION = "v0.22.0";
