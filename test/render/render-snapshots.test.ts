/**
 * Snapshots of every renderer for three labs: coreos-single at v1.20.2 (node subnet
 * 172.30.0.0/24), a three-node lab (ctl1: etcd + control plane; worker1, worker2) and coreos-single
 * at v1.31.0. Each rendered file is a file snapshot under __snapshots__/<lab>/<node>/<path in the
 * node>, so a review reads a node's files as they land on it. Kubeconfigs are rendered from fixed
 * PEM strings (the fake PKI), so every snapshot is deterministic.
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
import { kubeconfigFor } from "../../src/render/node-files.js";
import {
  CNI_CONF_FILE,
  CONTAINERD_CONFIG,
  KUBE_PROXY_CONFIG,
  KUBELET_CONFIG,
  kubeconfigPath,
  PKI_DIR,
  UNIT_DIR,
} from "../../src/render/node-layout.js";
import { fakeNodeFiles, fakePki, fileAt, IMAGES, renderCases, text } from "./lab-fixtures.js";

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
        const secret = f.path.endsWith(".key") || f.path.endsWith(".kubeconfig");
        expect(f.mode, f.path).toBe(secret ? 0o600 : 0o644);
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

      expect(has(`${UNIT_DIR}/etcd.service`)).toBe(node.etcd);
      if (node.etcd) expect(content(`${UNIT_DIR}/etcd.service`)).toBe(etcdUnit(plan, node));

      for (const path of [`${UNIT_DIR}/kube-apiserver.service`, kubeconfigPath("admin")]) {
        expect(has(path), path).toBe(node.controlPlane);
      }
      if (node.controlPlane) {
        expect(content(`${UNIT_DIR}/kube-apiserver.service`)).toBe(apiServerUnit(plan, node));
        expect(content(`${UNIT_DIR}/kube-controller-manager.service`)).toBe(controllerManagerUnit(plan));
        expect(content(`${UNIT_DIR}/kube-scheduler.service`)).toBe(schedulerUnit(plan));
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

      for (const path of [`${UNIT_DIR}/kubelet.service`, KUBELET_CONFIG, CONTAINERD_CONFIG, CNI_CONF_FILE]) {
        expect(has(path), path).toBe(node.kubelet);
      }
      if (node.kubelet) {
        expect(content(`${UNIT_DIR}/kubelet.service`)).toBe(kubeletUnit(plan, node));
        expect(content(KUBELET_CONFIG)).toBe(kubeletConfig(plan, node));
        expect(content(`${UNIT_DIR}/kube-proxy.service`)).toBe(kubeProxyUnit());
        expect(content(KUBE_PROXY_CONFIG)).toBe(kubeProxyConfig(plan, node));
        expect(content(CONTAINERD_CONFIG)).toBe(containerdConfig({ sandboxImage: IMAGES.sandbox }));
        expect(content(CNI_CONF_FILE)).toBe(cniConfig(node));
      }
    });
  });
});

describe("the labs rendered", () => {
  it("are the ones the snapshots are named after", () => {
    const summary = cases.map(({ id, plan }) => ({
      id,
      version: plan.kubernetes.raw,
      api: plan.api.endpoint,
      nodes: plan.nodes.map((n) => `${n.name} ${n.ip} [${n.roles.join(",")}] pods=${n.podCidr ?? "-"}`),
    }));
    expect(summary).toEqual([
      {
        id: "coreos-single-v1.20.2",
        version: "v1.20.2",
        api: "https://172.30.0.10:6443",
        nodes: ["core1 172.30.0.10 [etcd,controlplane,worker] pods=10.2.0.0/24"],
      },
      {
        id: "three-node-v1.20.2",
        version: "v1.20.2",
        api: "https://172.30.1.10:6443",
        nodes: [
          "ctl1 172.30.1.10 [etcd,controlplane] pods=-",
          "worker1 172.30.1.11 [worker] pods=10.244.0.0/24",
          "worker2 172.30.1.12 [worker] pods=10.244.1.0/24",
        ],
      },
      {
        id: "coreos-single-v1.31.0",
        version: "v1.31.0",
        api: "https://172.30.0.10:6443",
        nodes: ["core1 172.30.0.10 [etcd,controlplane,worker] pods=10.2.0.0/24"],
      },
    ]);
  });

  it("render the same files twice (renderers are pure)", () => {
    for (const { plan } of renderCases()) {
      for (const node of plan.nodes) expect(fakeNodeFiles(plan, node)).toEqual(fakeNodeFiles(plan, node));
    }
  });
});
