/**
 * The steps of `lab up`, in order. Read top to bottom, this is how a cluster is built the hard way.
 */
import type { Plan } from "../plan/plan.js";
import { parallel, type Stage } from "./step.js";
import { bootstrapToken } from "./steps/bootstrap-token.js";
import { copyFiles } from "./steps/copy-files.js";
import { createNodes } from "./steps/create-nodes.js";
import { generatePki } from "./steps/generate-pki.js";
import { installAddons } from "./steps/install-addons.js";
import { podNetwork } from "./steps/pod-network.js";
import { prepareArtifacts } from "./steps/prepare-artifacts.js";
import { prepareComponentImages } from "./steps/prepare-component-images.js";
import { prepareImage } from "./steps/prepare-image.js";
import { runChecksStep } from "./steps/run-checks.js";
import { setUpOverlay } from "./steps/set-up-overlay.js";
import { startCheckPods } from "./steps/start-check-pods.js";
import { startControlPlane } from "./steps/start-control-plane.js";
import { startEtcd } from "./steps/start-etcd.js";
import { startKubelet } from "./steps/start-kubelet.js";
import { startLoadBalancer } from "./steps/start-load-balancer.js";
import { waitForCluster } from "./steps/wait-for-cluster.js";

/** The pipeline that brings a lab up. */
export function buildUpPipeline(plan: Plan): Stage[] {
  const stages: Stage[] = [
    // The binaries (cache, folder or download) and the node image are independent of each other.
    parallel(prepareArtifacts, prepareImage),
    // Certificates are made while the nodes boot: the PKI adds nothing to the wall time. A
    // static-pods control plane's images are readied meanwhile too.
    plan.controlPlaneMode === "static-pods" ? parallel(createNodes, generatePki, prepareComponentImages) : parallel(createNodes, generatePki),
    // Certificates, kubeconfigs, configuration files and units into each node.
    copyFiles,
  ];
  const kubelets = plan.nodes.some((n) => n.kubelet);
  const tlsBootstrap = kubelets && plan.security.kubeletBootstrap === "token";
  // etcd first: the API server stores everything there. containerd, kubelet and kube-proxy start
  // at the same time: kubelet takes seconds to initialise and registers once the API answers.
  // Kubelets that join with a bootstrap token wait for it instead (below).
  stages.push(kubelets && !tlsBootstrap ? parallel(startEtcd, startKubelet) : startEtcd);
  // kube-apiserver, then the controller manager and the scheduler that talk to it; meanwhile the
  // overlay between the nodes (flannel needs etcd, which is up by now) and the load balancer in
  // front of the API servers, if the lab has one.
  const alongside = [...(kubelets ? [setUpOverlay] : []), ...(plan.api.loadBalancer ? [startLoadBalancer] : [])];
  stages.push(alongside.length ? parallel(startControlPlane, ...alongside) : startControlPlane);
  // TLS bootstrapping: the token and the bindings that let kubelets ask for their certificates,
  // then the kubelets, which join with it.
  if (tlsBootstrap) stages.push(bootstrapToken, startKubelet);
  // Each node's pod subnet; every node registered and Ready.
  if (kubelets) stages.push(podNetwork);
  // DNS and the like, once pods can run.
  if (plan.addons.length) stages.push(installAddons);
  // Prove it works.
  stages.push(runChecksStep);
  return stages;
}

/**
 * The pipeline that brings back a lab that went green before and has not changed since: its
 * nodes are started where they are stopped (they start their own units as they boot), then it
 * waits for the cluster and proves it works. No certificate, file or unit is touched.
 */
export function buildResumePipeline(): Stage[] {
  return [
    // The node image (or box) and the binaries the nodes share from the host, as they were.
    parallel(prepareArtifacts, prepareImage),
    // Stopped nodes start; running ones are left alone.
    createNodes,
    // etcd, the API servers and every kubelet back; meanwhile, as soon as the API server answers,
    // the checks' pods are created (they take the longest of the checks).
    parallel(waitForCluster, startCheckPods),
    runChecksStep,
  ];
}

/** The pipeline of `lab up` on a lab that is up and unchanged: the checks only. */
export function buildCheckPipeline(): Stage[] {
  return [runChecksStep];
}
