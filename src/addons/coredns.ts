/**
 * The DNS addon: CoreDNS with its RBAC, a Corefile for the lab's cluster domain, a Deployment and
 * a Service at the lab's DNS address (kubelet's clusterDNS). Pure: the plan in, manifests out.
 */
import { stringify } from "yaml";
import { atLeast } from "../plan/kube-version.js";
import type { Plan } from "../plan/plan.js";

/** The CoreDNS image released with each Kubernetes minor (kubeadm's choice); newer minors use the last. */
const COREDNS_FOR_MINOR: ReadonlyArray<[minor: number, image: string]> = [
  [19, "registry.k8s.io/coredns:1.7.0"],
  [21, "registry.k8s.io/coredns/coredns:v1.8.0"],
  [22, "registry.k8s.io/coredns/coredns:v1.8.4"],
  [23, "registry.k8s.io/coredns/coredns:v1.8.6"],
  [25, "registry.k8s.io/coredns/coredns:v1.9.3"],
  [27, "registry.k8s.io/coredns/coredns:v1.10.1"],
  [29, "registry.k8s.io/coredns/coredns:v1.11.1"],
  [31, "registry.k8s.io/coredns/coredns:v1.11.3"],
];

/** The CoreDNS image for a plan's Kubernetes version. */
export function corednsImage(plan: Plan): string {
  let image = COREDNS_FOR_MINOR[0]![1];
  for (const [minor, candidate] of COREDNS_FOR_MINOR) if (plan.kubernetes.minor >= minor) image = candidate;
  return image;
}

const labels = { "k8s-app": "kube-dns" };

/** The Corefile: the cluster domain from the API, everything else forwarded to the node's resolver. */
export function corefile(plan: Plan): string {
  return [
    ".:53 {",
    "    errors",
    "    health {",
    "       lameduck 5s",
    "    }",
    "    ready",
    `    kubernetes ${plan.network.clusterDomain} in-addr.arpa ip6.arpa {`,
    "       pods insecure",
    "       fallthrough in-addr.arpa ip6.arpa",
    "       ttl 30",
    "    }",
    "    prometheus :9153",
    "    forward . /etc/resolv.conf",
    "    cache 30",
    "    loop",
    "    reload",
    "    loadbalance",
    "}",
    "",
  ].join("\n");
}

/** The addon's objects as one multi-document YAML. */
export function corednsManifests(plan: Plan): string {
  const ns = "kube-system";
  const objects: Record<string, unknown>[] = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: ns } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:coredns" },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        ...(atLeast(plan.kubernetes, 1, 21) ? [{ apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] }] : []),
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: ns }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: ns }, data: { Corefile: corefile(plan) } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "coredns",
            priorityClassName: "system-cluster-critical",
            dnsPolicy: "Default",
            tolerations: [
              { key: "CriticalAddonsOnly", operator: "Exists" },
              { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
            ],
            containers: [
              {
                name: "coredns",
                image: corednsImage(plan),
                imagePullPolicy: "IfNotPresent",
                args: ["-conf", "/etc/coredns/Corefile"],
                resources: { requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } },
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                  { name: "metrics", containerPort: 9153, protocol: "TCP" },
                ],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["all"] }, readOnlyRootFilesystem: true },
                livenessProbe: { httpGet: { path: "/health", port: 8080 }, initialDelaySeconds: 60, timeoutSeconds: 5, failureThreshold: 5 },
                readinessProbe: { httpGet: { path: "/ready", port: 8181 } },
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }] } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: ns, labels: { ...labels, "kubernetes.io/name": "CoreDNS" } },
      spec: {
        selector: labels,
        clusterIP: plan.network.dnsIp,
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
          { name: "metrics", port: 9153, protocol: "TCP" },
        ],
      },
    },
  ];
  // Shared objects (the labels) are written out each time, not as YAML anchors.
  return objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join("---\n");
}
