/**
 * kubelet: its flags, its KubeletConfiguration file, its unit and the unit that ends the pods
 * when the node stops. containerd is the runtime
 * (dockershim cannot run pods in these nodes); anonymous access is off and the API server
 * authorises requests to it (webhook).
 */
import { kubeletCertName } from "../pki/certificate-specs.js";
import { stringify } from "yaml";
import { atLeast } from "../plan/kube-version.js";
import type { Plan, PlannedNode } from "../plan/plan.js";
import type { Flag } from "./flags.js";
import {
  binPath,
  certPath,
  CONTAINERD_SOCKET,
  KUBELET_BOOTSTRAPPED_KUBECONFIG,
  KUBELET_CERT_DIR,
  KUBELET_CONFIG,
  keyPath,
  kubeconfigPath,
  MANIFESTS_DIR,
} from "./node-layout.js";
import { renderServiceUnit } from "./systemd-unit.js";
import { kubeletTlsConfig } from "./tls-policy.js";
import { BOOTSTRAP_KUBECONFIG } from "./tls-bootstrap.js";

/** True when the lab's kubelets join by TLS bootstrapping. */
function tlsBootstrap(plan: Plan): boolean {
  return plan.security.kubeletBootstrap === "token";
}

/** The cgroup driver kubelet and containerd share. */
export const CGROUP_DRIVER: "cgroupfs" | "systemd" = "cgroupfs";

const runtimeEndpoint = `unix://${CONTAINERD_SOCKET}`;

/** kubelet's command-line flags (what is not in its configuration file). */
export function kubeletFlags(plan: Plan, node: PlannedNode): Flag[] {
  const v = plan.kubernetes;
  const flags: Flag[] = [
    ["config", KUBELET_CONFIG],
    // With TLS bootstrapping kubelet joins with the bootstrap token, asks for a client certificate
    // and writes its own kubeconfig for it; otherwise it has one from kubelab.
    ...(tlsBootstrap(plan)
      ? ([
          ["bootstrap-kubeconfig", BOOTSTRAP_KUBECONFIG],
          ["kubeconfig", KUBELET_BOOTSTRAPPED_KUBECONFIG],
          ["cert-dir", KUBELET_CERT_DIR],
        ] as const)
      : ([["kubeconfig", kubeconfigPath("kubelet")]] as const)),
    ["node-ip", node.ip],
    ["v", "2"],
  ];
  // --container-runtime went away in 1.27 (deprecated in 1.24, when "remote" became the only kind).
  if (!atLeast(v, 1, 24)) flags.push(["container-runtime", "remote"]);
  // From 1.27 the endpoint belongs in the configuration file.
  if (!atLeast(v, 1, 27)) flags.push(["container-runtime-endpoint", runtimeEndpoint]);
  return flags;
}

/** The KubeletConfiguration file. */
export function kubeletConfig(plan: Plan, node: PlannedNode): string {
  const config: Record<string, unknown> = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: certPath("ca") },
    },
    authorization: { mode: "Webhook" },
    cgroupDriver: CGROUP_DRIVER,
    clusterDomain: plan.network.clusterDomain,
    clusterDNS: [plan.network.dnsIp],
    podCIDR: node.podCidr,
    staticPodPath: MANIFESTS_DIR,
    tlsCertFile: certPath(kubeletCertName(node.name)),
    tlsPrivateKeyFile: keyPath(kubeletCertName(node.name)),
    runtimeRequestTimeout: "15m",
    failSwapOn: false,
    // A node shares the host's disk: never evict pods or collect images because the host is full.
    evictionHard: { "imagefs.available": "0%", "nodefs.available": "0%", "nodefs.inodesFree": "0%" },
    imageGCHighThresholdPercent: 100,
    // kubelet starts before the API server answers and may register before its first pod-lifecycle
    // check has run, as NotReady; with the default 10s it stays so for 10s. Status is only sent
    // when it changed (the node lease is the heartbeat), so checking every 2s costs little.
    nodeStatusUpdateFrequency: "2s",
    // Requests to the API server per second (and burst): before 1.27 the defaults were 5 (10).
    // When kubelet starts again, its node, lease, static pods, every pod's status and events queue
    // behind that limit, 0.2 s apart, and a new pod's status reached the API 2 s after it ran.
    // 1.27 made 50 (100) the defaults (kubernetes/kubernetes#116121); older versions get them here.
    ...(atLeast(plan.kubernetes, 1, 27) ? {} : { kubeAPIQPS: 50, kubeAPIBurst: 100 }),
    // Its client certificate renewed (signed by the controller manager) before it expires.
    ...(tlsBootstrap(plan) ? { rotateCertificates: true } : {}),
    ...kubeletTlsConfig(plan),
  };
  if (atLeast(plan.kubernetes, 1, 27)) config.containerRuntimeEndpoint = runtimeEndpoint;
  return stringify(config);
}

/** The unit that ends the pods' containers when the node stops: see {@link podsStopUnit}. */
export const PODS_STOP_UNIT = "kubelab-pods";

/**
 * A unit that does nothing until the node stops (a stopped container, a halted VM): then, after
 * kubelet has stopped (it is ordered before kubelet, so it stops after it) and before containerd
 * does, it kills every pod's containers. containerd's unit leaves them running when it stops
 * (KillMode=process), and something in them outlived the node's shutdown until Docker's 10 s stop
 * timeout killed it: `lab stop` of coreos-single took 10.7 s, and takes 1.2–1.8 s with this.
 * Not ordered after etcd: kubelet would then wait for etcd to start (a second or two at boot).
 */
export function podsStopUnit(): string {
  return [
    "[Unit]",
    "Description=kubelab: ends the pods' containers when the node stops, after kubelet and before containerd",
    "After=containerd.service",
    "Before=kubelet.service",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    "ExecStart=/bin/true",
    `ExecStop=-/bin/sh -c 'ctr -n k8s.io tasks ls -q | xargs -r -n1 ctr -n k8s.io tasks kill -a -s SIGKILL 2>/dev/null'`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The kubelet systemd unit. */
export function kubeletUnit(plan: Plan, node: PlannedNode): string {
  return renderServiceUnit({
    description: "kubelet: runs the node's pods",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/",
    after: ["containerd.service"],
    requires: ["containerd.service"],
    binary: binPath("kubelet"),
    flags: kubeletFlags(plan, node),
  });
}
