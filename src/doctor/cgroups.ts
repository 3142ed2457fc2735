/**
 * The cgroup setup: what the host mounts (v1, v2, or both: hybrid), what the engine reports
 * (CgroupVersion, CgroupDriver), and whether systemd nodes will work. Nodes get a private cgroup
 * namespace either way; on v1 their entrypoint remounts the controllers read-write before systemd
 * starts. What can stop them is a controller kubelet needs that the kernel does not enable.
 */
import { readFile } from "node:fs/promises";
import type { DoctorCheck, DoctorResult } from "./doctor-check.js";
import type { EngineFacts } from "./docker-engine.js";

/** How the host mounts cgroups. */
export type CgroupLayout = "v1" | "v2" | "hybrid" | "none";

/** The host's cgroups. */
export interface HostCgroups {
  layout: CgroupLayout;
  /** Controllers available: mounted v1 hierarchies, or the v2 root's cgroup.controllers. */
  controllers: string[];
}

/** The v1 controllers a kernel may mount (anything else in a cgroup mount's options is an option). */
const V1_CONTROLLERS = new Set(["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc"]);

/** The controllers kubelet in a node needs, per hierarchy version. */
export const REQUIRED_CONTROLLERS = { v1: ["cpu", "cpuacct", "cpuset", "memory", "pids"], v2: ["cpu", "cpuset", "memory", "pids"] } as const;

/** The fix for a controller the kernel leaves off. */
const CONTROLLER_FIX = "enable it on the kernel command line (e.g. cgroup_enable=memory cgroup_memory=1 for memory, as Raspberry Pi OS needs), then reboot";

/**
 * Classifies the host from its mountinfo (/proc/self/mountinfo) and, on v2, the root's
 * cgroup.controllers.
 */
export function classifyCgroups(mountinfo: string, v2Controllers = ""): HostCgroups {
  const v1 = new Set<string>();
  let v2At: string | undefined;
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    if (!before || !after) continue;
    const mountPoint = before.split(" ")[4];
    const [fsType, , superOptions = ""] = after.split(" ");
    if (fsType === "cgroup2") v2At ??= mountPoint;
    if (fsType === "cgroup") for (const option of superOptions.split(",")) if (V1_CONTROLLERS.has(option)) v1.add(option);
  }
  if (v2At === "/sys/fs/cgroup" && v1.size === 0) return { layout: "v2", controllers: v2Controllers.split(/\s+/).filter(Boolean) };
  if (v1.size > 0) return { layout: v2At ? "hybrid" : "v1", controllers: [...v1].sort() };
  return { layout: v2At ? "v2" : "none", controllers: v2Controllers.split(/\s+/).filter(Boolean) };
}

/** How the host's layout reads: "cgroup v1 (hybrid: v1 controllers and a v2 hierarchy)". */
function describeHost(host: HostCgroups): string {
  switch (host.layout) {
    case "v1":
      return "cgroup v1";
    case "v2":
      return "cgroup v2";
    case "hybrid":
      return "cgroup v1 (hybrid: v1 controllers and a v2 hierarchy)";
    case "none":
      return "no cgroup file system mounted";
  }
}

/** The verdict on the host's cgroups and the engine's view of them. */
export function cgroupVerdict(host: HostCgroups, engine: EngineFacts): DoctorResult {
  if (!engine.reachable) return { status: "skip", detail: `this host has ${describeHost(host)}; the Docker engine did not answer, so what it uses is unknown` };
  const version = engine.cgroupVersion === "2" ? "v2" : "v1";
  const seen = `${describeHost(host)}; the engine reports cgroup ${version}, driver ${engine.cgroupDriver ?? "unknown"}`;
  // An engine on another machine (DOCKER_HOST) or in a VM: the host's mounts say nothing about it.
  const local = version === "v2" ? host.layout === "v2" : host.layout === "v1" || host.layout === "hybrid";
  if (local) {
    const missing = REQUIRED_CONTROLLERS[version].filter((c) => !host.controllers.includes(c));
    if (missing.length > 0) {
      return {
        status: "fail",
        detail: `${seen}, but the ${missing.join(", ")} controller${missing.length > 1 ? "s are" : " is"} not enabled: kubelet in the nodes cannot start`,
        fix: CONTROLLER_FIX,
      };
    }
  }
  const how =
    version === "v2"
      ? "nodes run systemd in a private cgroup namespace"
      : "nodes run systemd in a private cgroup namespace and remount their controllers read-write first";
  return { status: "ok", detail: `${seen}${local ? "" : " (the engine runs elsewhere)"}: ${how}` };
}

/** The check of the cgroup setup. */
export function cgroupsCheck(engine: () => Promise<EngineFacts>): DoctorCheck {
  return {
    id: "cgroups",
    title: "cgroups",
    run: async () => {
      const [mountinfo, controllers] = await Promise.all([
        readFile("/proc/self/mountinfo", "utf8"),
        readFile("/sys/fs/cgroup/cgroup.controllers", "utf8").catch(() => ""),
      ]);
      return cgroupVerdict(classifyCgroups(mountinfo, controllers), await engine());
    },
  };
}
