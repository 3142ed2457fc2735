/**
 * containerd's configuration: the CRI plugin with runc, the lab's pause image, the CNI folders,
 * and `restrict_oom_score_adj` so pods start where the node may not lower OOM scores.
 */
import { CGROUP_DRIVER } from "./kubelet.js";
import { CNI_BIN_DIR, CNI_CONF_DIR } from "./node-layout.js";

/** Renders /etc/containerd/config.toml (config version 2, containerd 1.5 and later). */
export function containerdConfig(options: { sandboxImage: string }): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    "version = 2",
    "# Plugins a node never uses; leaving them out makes containerd start faster.",
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]',
    "",
    `[${cri}]`,
    `  sandbox_image = "${options.sandboxImage}"`,
    "  # Nodes may lack CAP_SYS_RESOURCE: keep pods' OOM score adjustments within what is allowed.",
    "  restrict_oom_score_adj = true",
    "",
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    "",
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    "",
    `[${cri}.containerd.runtimes.runc.options]`,
    `  SystemdCgroup = ${CGROUP_DRIVER === "systemd"}`,
    "",
    `[${cri}.cni]`,
    `  bin_dir = "${CNI_BIN_DIR}"`,
    `  conf_dir = "${CNI_CONF_DIR}"`,
    "",
  ].join("\n");
}
