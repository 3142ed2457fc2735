/**
 * kubelab's audit policy for the API server: nothing for the traffic that only says the cluster is
 * alive (health checks, leader leases, events, kube-proxy's and the nodes' own watching); only
 * metadata for Secrets, ConfigMaps and token reviews, whose bodies hold secrets; request and
 * response bodies of every change to pods, RBAC and certificate signing requests (who ran what,
 * who was granted what, which node asked for a certificate); the request body of other changes;
 * metadata for the rest. The stage of a request's arrival is left out: each request is one event,
 * written once it has been answered.
 */
import { stringify } from "yaml";

const core = (...resources: string[]): { group: string; resources: string[] } => ({ group: "", resources });
const WRITES = ["create", "update", "patch", "delete", "deletecollection"];

/** The audit policy file. */
export function auditPolicy(): string {
  return stringify({
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    omitStages: ["RequestReceived"],
    rules: [
      { level: "None", nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"] },
      { level: "None", resources: [{ group: "coordination.k8s.io", resources: ["leases"] }] },
      { level: "None", resources: [core("events"), { group: "events.k8s.io", resources: ["events"] }] },
      { level: "None", users: ["system:kube-proxy"], verbs: ["watch"], resources: [core("endpoints", "services"), { group: "discovery.k8s.io", resources: ["endpointslices"] }] },
      { level: "None", userGroups: ["system:nodes"], verbs: ["get", "watch"], resources: [core("nodes", "nodes/status")] },
      { level: "Metadata", resources: [core("secrets", "configmaps", "serviceaccounts/token"), { group: "authentication.k8s.io", resources: ["tokenreviews"] }] },
      {
        level: "RequestResponse",
        verbs: WRITES,
        resources: [core("pods", "pods/exec", "pods/attach"), { group: "rbac.authorization.k8s.io" }, { group: "certificates.k8s.io" }],
      },
      { level: "Request", verbs: WRITES },
      { level: "Metadata" },
    ],
  });
}
