/**
 * Every fault drill, in the order `lab break` lists them: first what stops a component or a node's
 * network, then what gives the lab a wrong certificate or setting. Each of the latter is one of
 * the known causes `lab verify` diagnoses.
 */
import { clockSkewCert, expiredCert, missingSan } from "./api-server-cert-faults.js";
import type { Fault } from "./fault.js";
import { controller, etcdMember, kubeProxy, nodeNetwork } from "./faults.js";
import { dnsIp, kubeletCn, noPodCidr } from "./kubelet-faults.js";
import { etcdPeerTls, missingRoute } from "./link-faults.js";

/** Every fault drill. */
export const FAULTS: readonly Fault[] = [
  etcdMember,
  controller,
  nodeNetwork,
  kubeProxy,
  expiredCert,
  clockSkewCert,
  missingSan,
  kubeletCn,
  noPodCidr,
  missingRoute,
  etcdPeerTls,
  dnsIp,
];
