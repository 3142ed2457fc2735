/**
 * Snapshots of every renderer for nine labs: coreos-single as the lab file has it (control plane
 * and kube-proxy as static pods, CoreDNS) and its systemd variant (controlPlane: systemd, no
 * addons), each at v1.20.2 and v1.31.0 (node subnet 172.30.0.0/24), a three-node lab with a
 * systemd control plane (ctl1: etcd + control plane; worker1, worker2), fedora-multi (fed-master:
 * etcd + control plane; fed-node1, fed-node2: workers) with its flannel overlay and with the vxlan
 * overlay, ha-etcd (lb: HAProxy in front of controller1 and controller2; etcd1, etcd2; worker1,
 * worker2; the shared PKI layout) and hardened-single (hard1: every hardening option on). Each
 * rendered file is a file snapshot under __snapshots__/<lab>/<node>/<path in the node>, so a review reads a node's
 * files as they land on it (static pod manifests under /etc/kubernetes/manifests-staged).
 * Kubeconfigs are rendered from fixed PEM strings (the fake PKI) and static pods name fixed images,
 * so every snapshot is deterministic.
 */
import { describe, expect, it } from "vitest";
import { cniConfig } from "../../src/render/cni-config.js";
import { containerdConfig } from "../../src/render/containerd-config.js";
import { etcdUnit } from "../../src/render/etcd.js";
import { apiServerUnit } from "../../src/render/kube-apiserver.js";
import { controllerManagerUnit } from "../../src/render/kube-controller-manager.js";
import { kubeProxyConfig, kubeProxyUnit } from "../../src/render/kube-proxy.js";
import { schedulerUnit } from "../../src/render/kube-scheduler.js";
import { renderKubeconfig } from "../../src/render/kubeconfig.js";
import { kubeletConfig, kubeletUnit } from "../../src/render/kubelet.js";
import { flannelCniScript, flanneldUnit } from "../../src/render/flannel.js";
import { HAPROXY_CLIENT_PEM, HAPROXY_CONFIG, haproxyConfig } from "../../src/render/haproxy.js";
import { kubeconfigFor, nodeFiles } from "../../src/render/node-files.js";
import { hostsBlock, hostsScript, nodeNetworkScript } from "../../src/render/node-network.js";
import {
  certPath,
  CNI_CONF_FILE,
  CONTAINERD_CONFIG,
  ENCRYPTION_CONFIG,
  KUBE_PROXY_CONFIG,
  KUBELAB_DIR,
  KUBELET_CONFIG,
  keyPath,
  kubeconfigPath,
  MANIFESTS_DIR,
  MANIFESTS_STAGING_DIR,
  PKI_DIR,
  UNIT_DIR,
} from "../../src/render/node-layout.js";
import { controlPlaneManifests, kubeProxyManifest } from "../../src/render/static-pods.js";
import {
  componentImages,
  fakeNodeFiles,
  fakePki,
  fileAt,
  nodeImages,
  renderCases,
  text,
  unitValues,
} from "./lab-fixtures.js";

const cases = renderCases();

describe.each(cases)("renderers for $id", ({ id, plan }) => {
  describe.each([...plan.nodes])("node $name", (node) => {
    const files = fakeNodeFiles(plan, node);

    it("node-files lays out the expected files with the expected modes", () => {
      // PEM files are the PKI's, not rendered: list them by path and mode only.
      const manifest = files
        .map((f) => `${f.mode.toString(8).padStart(4, "0")} ${f.path}`)
        .sort((a, b) => a.slice(5).localeCompare(b.slice(5)));
      expect(manifest).toMatchSnapshot();
      for (const f of files) {
        // Keys, kubeconfigs, and the encryption key's and HAProxy's client certificate's files.
        const secret = f.path.endsWith(".key") || f.path.endsWith(".kubeconfig") || f.path === ENCRYPTION_CONFIG || f.path === HAPROXY_CLIENT_PEM;
        const script = f.path.startsWith("/etc/kubelab/") && f.path.endsWith(".sh");
        expect(f.mode, f.path).toBe(secret ? 0o600 : script ? 0o755 : 0o644);
      }
    });

    it("every rendered (non-PEM) file matches its snapshot", async () => {
      const rendered = files.filter((f) => !f.path.startsWith(`${PKI_DIR}/`));
      expect(rendered.length).toBeGreaterThan(0);
      for (const f of rendered) {
        await expect(text(f)).toMatchFileSnapshot(`__snapshots__/${id}/${node.name}${f.path}`);
      }
    });

    it("node-files holds exactly what each renderer renders", () => {
      const pki = fakePki(plan);
      const content = (path: string): string => text(fileAt(files, path));
      const has = (path: string): boolean => files.some((f) => f.path === path);
      const staticPods = plan.controlPlaneMode === "static-pods";
      const controlPlaneUnits = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((c) => `${UNIT_DIR}/${c}.service`);
      const controlPlaneManifestPaths = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"].map(
        (c) => `${MANIFESTS_STAGING_DIR}/${c}.yaml`,
      );
      const kubeProxyUnitPath = `${UNIT_DIR}/kube-proxy.service`;
      const kubeProxyManifestPath = `${MANIFESTS_STAGING_DIR}/kube-proxy.yaml`;

      expect(has(`${UNIT_DIR}/etcd.service`)).toBe(node.etcd);
      if (node.etcd) expect(content(`${UNIT_DIR}/etcd.service`)).toBe(etcdUnit(plan, node));

      expect(has(kubeconfigPath("admin")), "admin kubeconfig").toBe(node.controlPlane);
      // A control plane runs either as units or as static pods, never both.
      for (const path of controlPlaneUnits) expect(has(path), path).toBe(node.controlPlane && !staticPods);
      for (const path of controlPlaneManifestPaths) expect(has(path), path).toBe(node.controlPlane && staticPods);
      if (node.controlPlane) {
        if (staticPods) {
          const manifests = controlPlaneManifests(plan, node, componentImages(plan));
          expect(Object.keys(manifests).sort()).toEqual(["kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"]);
          for (const [file, manifest] of Object.entries(manifests)) {
            expect(content(`${MANIFESTS_STAGING_DIR}/${file}`), file).toBe(manifest);
          }
        } else {
          expect(content(`${UNIT_DIR}/kube-apiserver.service`)).toBe(apiServerUnit(plan, node));
          expect(content(`${UNIT_DIR}/kube-controller-manager.service`)).toBe(controllerManagerUnit(plan));
          expect(content(`${UNIT_DIR}/kube-scheduler.service`)).toBe(schedulerUnit(plan));
        }
        expect(content(kubeconfigPath("admin"))).toBe(
          renderKubeconfig({
            cluster: plan.labName,
            server: plan.api.endpoint,
            caPem: pki.get("ca").certPem,
            user: "admin",
            certPem: pki.get("admin").certPem,
            keyPem: pki.get("admin").keyPem,
          }),
        );
        expect(content(kubeconfigPath("kube-scheduler"))).toBe(
          kubeconfigFor(plan, pki, { cert: "kube-scheduler", user: "system:kube-scheduler", server: "https://127.0.0.1:6443" }),
        );
      }

      for (const path of [`${UNIT_DIR}/kubelet.service`, KUBELET_CONFIG, KUBE_PROXY_CONFIG, CONTAINERD_CONFIG]) {
        expect(has(path), path).toBe(node.kubelet);
      }
      expect(has(kubeProxyUnitPath), kubeProxyUnitPath).toBe(node.kubelet && !staticPods);
      expect(has(kubeProxyManifestPath), kubeProxyManifestPath).toBe(node.kubelet && staticPods);
      if (node.kubelet) {
        expect(content(`${UNIT_DIR}/kubelet.service`)).toBe(kubeletUnit(plan, node));
        expect(content(KUBELET_CONFIG)).toBe(kubeletConfig(plan, node));
        if (staticPods) expect(content(kubeProxyManifestPath)).toBe(kubeProxyManifest(componentImages(plan)));
        else expect(content(kubeProxyUnitPath)).toBe(kubeProxyUnit());
        expect(content(KUBE_PROXY_CONFIG)).toBe(kubeProxyConfig(plan, node));
        expect(content(CONTAINERD_CONFIG)).toBe(containerdConfig({ sandboxImage: nodeImages(plan).sandbox }));
      }

      // The pod network. flannel: flanneld leases the node's subnet and flannel-cni.sh writes the CNI
      // configuration from the lease at run time, so there is no CNI file to copy. routes / vxlan: the
      // node's subnet is planned, its CNI file rendered, and network.sh sets up bridge and overlay.
      const flannel = plan.network.overlay === "flannel";
      const oneshot = (name: string) => text(fileAt(files, `${UNIT_DIR}/${name}.service`));
      const flannelFiles = [
        `${UNIT_DIR}/flanneld.service`,
        `${KUBELAB_DIR}/flannel-cni.sh`,
        `${UNIT_DIR}/kubelab-flannel-cni.service`,
        certPath("flannel-etcd-client"),
        keyPath("flannel-etcd-client"),
      ];
      const overlayFiles = [CNI_CONF_FILE, `${KUBELAB_DIR}/network.sh`, `${UNIT_DIR}/kubelab-network.service`];
      for (const path of flannelFiles) expect(has(path), path).toBe(node.kubelet && flannel);
      for (const path of overlayFiles) expect(has(path), path).toBe(node.kubelet && !flannel);
      if (node.kubelet && flannel) {
        expect(node.podCidr, "flannel leases the pod subnet").toBeUndefined();
        expect(content(`${UNIT_DIR}/flanneld.service`)).toBe(flanneldUnit(plan, node));
        expect(content(`${KUBELAB_DIR}/flannel-cni.sh`)).toBe(flannelCniScript());
        expect(content(certPath("etcd-ca"))).toBe(pki.get("etcd-ca").certPem);
        expect(content(certPath("flannel-etcd-client"))).toBe(pki.get("flannel-etcd-client").certPem);
        expect(content(keyPath("flannel-etcd-client"))).toBe(pki.get("flannel-etcd-client").keyPem);
        const unit = oneshot("kubelab-flannel-cni");
        expect(unitValues(unit, "Service", "Type")).toEqual(["oneshot"]);
        expect(unitValues(unit, "Service", "ExecStart")).toEqual([`/bin/sh ${KUBELAB_DIR}/flannel-cni.sh`]);
        expect(unitValues(unit, "Unit", "After")).toEqual(["flanneld.service"]);
        expect(unitValues(unit, "Unit", "Wants")).toEqual(["flanneld.service"]);
      }
      if (node.kubelet && !flannel) {
        expect(node.podCidr, "routes and vxlan plan the pod subnet").toBeDefined();
        expect(content(CNI_CONF_FILE)).toBe(cniConfig(plan, node));
        expect(content(`${KUBELAB_DIR}/network.sh`)).toBe(nodeNetworkScript(plan, node));
        const unit = oneshot("kubelab-network");
        expect(unitValues(unit, "Service", "Type")).toEqual(["oneshot"]);
        expect(unitValues(unit, "Service", "ExecStart")).toEqual([`/bin/sh ${KUBELAB_DIR}/network.sh`]);
      }

      // Every node knows every node of the lab by name.
      expect(content(`${KUBELAB_DIR}/hosts`)).toBe(hostsBlock(plan));
      expect(content(`${KUBELAB_DIR}/hosts`).trimEnd().split("\n")).toEqual(plan.nodes.map((n) => `${n.ip} ${n.name} # kubelab`));
      expect(content(`${KUBELAB_DIR}/hosts.sh`)).toBe(hostsScript(`${KUBELAB_DIR}/hosts`));
      expect(unitValues(oneshot("kubelab-hosts"), "Service", "ExecStart")).toEqual([`/bin/sh ${KUBELAB_DIR}/hosts.sh`]);

      // The load balancer: HAProxy's configuration, the drop-in giving its admin socket a folder, and
      // the CA; nothing of it on any other node, and nothing else on the load balancer.
      const haproxyDropIn = `${UNIT_DIR}/haproxy.service.d/kubelab.conf`;
      expect(has(HAPROXY_CONFIG), HAPROXY_CONFIG).toBe(node.loadBalancer);
      expect(has(haproxyDropIn), haproxyDropIn).toBe(node.loadBalancer);
      if (node.loadBalancer) {
        expect(content(HAPROXY_CONFIG)).toBe(haproxyConfig(plan));
        expect(unitValues(content(haproxyDropIn), "Service", "RuntimeDirectory")).toEqual(["haproxy"]);
        expect(content(certPath("ca"))).toBe(pki.get("ca").certPem);
        expect(files.filter((f) => f.path.startsWith("/etc/kubernetes/") && f.path !== certPath("ca"))).toEqual([]);
      }

      // Manifests are staged: kubelet's own folder only gets them once their images are in the node.
      expect(files.filter((f) => f.path.startsWith(`${MANIFESTS_DIR}/`)).map((f) => f.path)).toEqual([]);
    });

    if (plan.controlPlaneMode === "static-pods") {
      it("node-files refuses a static-pods lab without component images", () => {
        expect(() => nodeFiles(plan, node, fakePki(plan), { sandbox: nodeImages(plan).sandbox })).toThrow(/component images/);
      });
    }
  });
});

describe("the labs rendered", () => {
  it("are the ones the snapshots are named after", () => {
    const summary = cases.map(({ id, plan }) => ({
      id,
      version: plan.kubernetes.raw,
      overlay: plan.network.overlay,
      controlPlane: plan.controlPlaneMode,
      addons: plan.addons,
      api: plan.api.endpoint,
      nodes: plan.nodes.map((n) => `${n.name} ${n.ip} [${n.roles.join(",")}] pods=${n.podCidr ?? "-"}`),
    }));
    const core1 = ["core1 172.30.0.10 [etcd,controlplane,worker] pods=10.2.0.0/24"];
    expect(summary).toEqual([
      {
        id: "coreos-single-v1.20.2",
        version: "v1.20.2",
        overlay: "routes",
        controlPlane: "static-pods",
        addons: ["coredns"],
        api: "https://172.30.0.10:6443",
        nodes: core1,
      },
      {
        id: "coreos-single-systemd-v1.20.2",
        version: "v1.20.2",
        overlay: "routes",
        controlPlane: "systemd",
        addons: [],
        api: "https://172.30.0.10:6443",
        nodes: core1,
      },
      {
        id: "three-node-v1.20.2",
        version: "v1.20.2",
        overlay: "routes",
        controlPlane: "systemd",
        addons: [],
        api: "https://172.30.1.10:6443",
        nodes: [
          "ctl1 172.30.1.10 [etcd,controlplane] pods=-",
          "worker1 172.30.1.11 [worker] pods=10.244.0.0/24",
          "worker2 172.30.1.12 [worker] pods=10.244.1.0/24",
        ],
      },
      {
        id: "fedora-multi-flannel-v1.20.2",
        version: "v1.20.2",
        overlay: "flannel",
        controlPlane: "systemd",
        addons: [],
        api: "https://172.30.0.10:6443",
        // flanneld leases each worker's pod subnet at run time.
        nodes: [
          "fed-master 172.30.0.10 [etcd,controlplane] pods=-",
          "fed-node1 172.30.0.11 [worker] pods=-",
          "fed-node2 172.30.0.12 [worker] pods=-",
        ],
      },
      {
        id: "fedora-multi-vxlan-v1.20.2",
        version: "v1.20.2",
        overlay: "vxlan",
        controlPlane: "systemd",
        addons: [],
        api: "https://172.30.0.10:6443",
        nodes: [
          "fed-master 172.30.0.10 [etcd,controlplane] pods=-",
          "fed-node1 172.30.0.11 [worker] pods=10.20.0.0/24",
          "fed-node2 172.30.0.12 [worker] pods=10.20.1.0/24",
        ],
      },
      {
        id: "ha-etcd-v1.20.2",
        version: "v1.20.2",
        overlay: "routes",
        controlPlane: "systemd",
        addons: [],
        // The load balancer's address.
        api: "https://172.30.0.10:6443",
        nodes: [
          "lb 172.30.0.10 [loadbalancer] pods=-",
          "etcd1 172.30.0.11 [etcd] pods=-",
          "etcd2 172.30.0.12 [etcd] pods=-",
          "controller1 172.30.0.13 [controlplane] pods=-",
          "controller2 172.30.0.14 [controlplane] pods=-",
          "worker1 172.30.0.15 [worker] pods=10.200.0.0/24",
          "worker2 172.30.0.16 [worker] pods=10.200.1.0/24",
        ],
      },
      {
        id: "hardened-single-v1.20.2",
        version: "v1.20.2",
        overlay: "routes",
        controlPlane: "systemd",
        addons: ["coredns"],
        api: "https://172.30.0.10:6443",
        nodes: ["hard1 172.30.0.10 [etcd,controlplane,worker] pods=10.100.0.0/24"],
      },
      {
        id: "coreos-single-v1.31.0",
        version: "v1.31.0",
        overlay: "routes",
        controlPlane: "static-pods",
        addons: ["coredns"],
        api: "https://172.30.0.10:6443",
        nodes: core1,
      },
      {
        id: "coreos-single-systemd-v1.31.0",
        version: "v1.31.0",
        overlay: "routes",
        controlPlane: "systemd",
        addons: [],
        api: "https://172.30.0.10:6443",
        nodes: core1,
      },
    ]);
  });

  it("the systemd variants differ from the lab file only in control plane mode, addons and the dns check", () => {
    for (const version of [undefined, "v1.31.0"]) {
      const file = renderCases().find((c) => c.id === `coreos-single-${version ?? "v1.20.2"}`)!.plan;
      const systemd = renderCases().find((c) => c.id === `coreos-single-systemd-${version ?? "v1.20.2"}`)!.plan;
      expect(systemd).toEqual({
        ...file,
        controlPlaneMode: "systemd",
        addons: [],
        checks: file.checks.filter((c) => c !== "dns"),
      });
    }
  });

  it("render the same files twice (renderers are pure)", () => {
    for (const { plan } of renderCases()) {
      for (const node of plan.nodes) expect(fakeNodeFiles(plan, node)).toEqual(fakeNodeFiles(plan, node));
    }
  });
});
