import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "vitest";
import { LabPaths } from "../../src/lab-paths.js";
import { planLab, type ResolvedLab } from "../../src/plan/plan.js";
import { generateRsaKey } from "../../src/pki/keys.js";
import { ensurePki } from "../../src/pki/pki-store.js";

it("bench", async () => {
  const home = await mkdtemp(join(tmpdir(), "kb-bench-"));
  const plan = planLab({ name: "b", provider: "docker", kubernetesVersion: "v1.20.2", controlPlane: "systemd", artifacts: {},
    network: { nodeSubnet: "172.30.0.0/24", podCidr: "10.200.0.0/16", podSubnetPrefix: 24, serviceCidr: "10.32.0.0/24", clusterDomain: "cluster.local" },
    nodes: [{ name: "ctl-1", roles: ["etcd", "controlplane"] }, { name: "w-1", roles: ["worker"] }, { name: "w-2", roles: ["worker"] }, { name: "w-3", roles: ["worker"] }], addons: [] } as ResolvedLab);
  for (let r = 0; r < 4; r++) {
    let c0 = process.cpuUsage(); let t = performance.now();
    await Promise.all(Array.from({ length: 18 }, () => generateRsaKey()));
    let c = process.cpuUsage(c0);
    const kg = `keygen wall ${(performance.now() - t).toFixed(0)} cpu ${((c.user + c.system) / 1000).toFixed(0)}`;
    c0 = process.cpuUsage(); t = performance.now();
    await ensurePki(plan, new LabPaths(`l${r}`, { KUBELAB_HOME: home }));
    c = process.cpuUsage(c0);
    console.log(kg, `| ensurePki wall ${(performance.now() - t).toFixed(0)} cpu ${((c.user + c.system) / 1000).toFixed(0)}`);
  }
}, 120_000);
