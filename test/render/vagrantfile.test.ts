/**
 * The Vagrantfile of every lab: rendered from Vagrantfile.tpl, checked by `vagrant validate`
 * (which loads the vagrant-libvirt plugin and checks its settings without libvirtd or the box),
 * asked back through Vagrant itself for what it would make, and kept as a snapshot.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderVagrantfile, nodeMac, type VagrantSettings } from "../../src/render/vagrantfile.js";
import type { Plan } from "../../src/plan/plan.js";
import { coreosSinglePlan, fedoraMultiPlan, haEtcdPlan } from "./lab-fixtures.js";
import { failWhenMissing, missingCommand, skipUnlessAvailable } from "./real-tools.js";

function settings(plan: Plan, driver: VagrantSettings["driver"], boot = true): VagrantSettings {
  return {
    box: "kubelab/node-0123456789ab",
    driver,
    prefix: `kubelab_${plan.labName}_`,
    network: `kubelab_${plan.labName}`,
    management: { name: `kubelab_${plan.labName}_mgmt`, cidr: "192.168.121.0/24" },
    pools: { base: "kubelab", lab: `kubelab_${plan.labName}` },
    ...(boot ? { boot: { kernel: "/var/lib/libvirt/images/kubelab/vmlinuz", initrd: "/var/lib/libvirt/images/kubelab/initrd.img", cmdline: "root=/dev/vda rw" } } : {}),
  };
}

const cases: [string, Plan][] = [
  ["coreos-single", coreosSinglePlan()],
  ["fedora-multi", fedoraMultiPlan()],
  ["ha-etcd", haEtcdPlan()],
];

describe("renderVagrantfile", () => {
  it("puts every node in, with its address, a stable MAC and the size its roles ask for", () => {
    const plan = haEtcdPlan();
    const text = renderVagrantfile(plan, settings(plan, "qemu"));
    const spec = JSON.parse(/^ {2}(\{.*\})$/m.exec(text)![1]!) as { nodes: { name: string; ip: string; mac: string; cpus: number; memory: number }[] };
    expect(spec.nodes.map((n) => n.name)).toEqual(plan.nodes.map((n) => n.name));
    expect(spec.nodes.map((n) => n.ip)).toEqual(plan.nodes.map((n) => n.ip));
    const controller = spec.nodes.find((n) => n.name === "controller1")!;
    expect([controller.cpus, controller.memory]).toEqual([2, 2048]);
    expect(spec.nodes.find((n) => n.name === "lb")).toMatchObject({ cpus: 1, memory: 512 });
    expect(new Set(spec.nodes.map((n) => n.mac)).size).toBe(spec.nodes.length);
    expect(nodeMac("ha-etcd", "lb")).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(nodeMac("ha-etcd", "lb")).toBe(nodeMac("ha-etcd", "lb"));
    expect(nodeMac("other", "lb")).not.toBe(nodeMac("ha-etcd", "lb"));
  });

  it("fails loudly on a template without the placeholder", () => {
    const plan = coreosSinglePlan();
    expect(() => renderVagrantfile(plan, settings(plan, "kvm"), "Vagrant.configure(\"2\") {}")).toThrow(/no __KUBELAB_SPEC__/);
  });

  for (const [id, plan] of cases) {
    it(`matches the snapshot for ${id}`, async () => {
      await expect(renderVagrantfile(plan, settings(plan, "qemu"))).toMatchFileSnapshot(`__snapshots__/vagrant/${id}.Vagrantfile`);
    });
  }
});

const SUITE = "vagrant validate on every lab's Vagrantfile";
const missing = await missingCommand("vagrant", ["plugin", "list"]).then(async (m) =>
  m.length ? m : (await execa("vagrant", ["plugin", "list"])).stdout.includes("vagrant-libvirt") ? [] : ["the vagrant-libvirt plugin is not installed"],
);

describe.skipIf(skipUnlessAvailable(SUITE, missing))(SUITE, () => {
  failWhenMissing(SUITE, missing);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubelab-vagrantfile-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const vagrant = (cwd: string, args: string[]) =>
    execa("vagrant", args, { cwd, reject: false, env: { VAGRANT_CHECKPOINT_DISABLE: "1", VAGRANT_DEFAULT_PROVIDER: "libvirt" }, timeout: 60_000 });

  for (const [id, plan] of cases) {
    for (const driver of ["kvm", "qemu"] as const) {
      for (const boot of [true, false]) {
        it(`${id}, driver ${driver}, ${boot ? "direct kernel boot" : "the box's own boot"}: vagrant validate passes`, async () => {
          const cwd = join(dir, `${id}-${driver}-${boot}`);
          await execa("mkdir", ["-p", cwd]);
          await writeFile(join(cwd, "Vagrantfile"), renderVagrantfile(plan, settings(plan, driver, boot)));
          const result = await vagrant(cwd, ["validate"]);
          expect(result.stderr).toBe("");
          expect(result.exitCode, result.stdout).toBe(0);
          expect(result.stdout).toMatch(/Vagrantfile validated successfully/);
        }, 60_000);
      }
    }
  }

  it("vagrant sees one machine per node, by the node's name", async () => {
    const plan = fedoraMultiPlan();
    const cwd = join(dir, "status");
    await execa("mkdir", ["-p", cwd]);
    await writeFile(join(cwd, "Vagrantfile"), renderVagrantfile(plan, settings(plan, "qemu")));
    const result = await vagrant(cwd, ["status", "--machine-readable"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const machines = [...result.stdout.matchAll(/^\d+,([^,]+),state,/gm)].map((m) => m[1]);
    expect(machines).toEqual(plan.nodes.map((n) => n.name));
  }, 60_000);

  it("vagrant validate rejects a broken setting (the check is real)", async () => {
    const plan = coreosSinglePlan();
    const cwd = join(dir, "broken");
    await execa("mkdir", ["-p", cwd]);
    await writeFile(join(cwd, "Vagrantfile"), renderVagrantfile(plan, settings(plan, "qemu")).replace('libvirt.graphics_type = "none"', 'libvirt.graphics_typo = "none"'));
    const result = await vagrant(cwd, ["validate"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/graphics_typo/);
  }, 60_000);
});
