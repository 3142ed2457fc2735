/**
 * `lab explain`: every step of every lab the renderers cover explains itself with commands on the
 * lab's own nodes, built from the same command builders the steps run (checked here against those
 * builders and the rendered files); the text a person reads; an unknown step refused with the list.
 */
import { describe, expect, it } from "vitest";
import { shellLine, UserError } from "../../src/errors.js";
import { explainText } from "../../src/lab/explain-text.js";
import { explainPlan, requireStep, upSteps } from "../../src/lab/lab-explain.js";
import { proofOf } from "../../src/pipeline/explanation.js";
import { startUnitsArgv } from "../../src/pipeline/node-commands.js";
import { etcdHealthArgv } from "../../src/pipeline/steps/start-etcd.js";
import { nodeFiles } from "../../src/render/node-files.js";
import { PLACEHOLDER_IMAGES, PLACEHOLDER_PKI } from "../../src/render/placeholder-material.js";
import { coreosSinglePlan, renderCases } from "../render/lab-fixtures.js";

describe.each(renderCases())("lab explain of $id", ({ plan }) => {
  const nodes = new Set(plan.nodes.map((n) => n.name));

  it("explains every step: what it is for, commands on the lab's own nodes, nothing unrendered", () => {
    for (const { step } of upSteps(plan)) {
      const e = step.explain(plan);
      expect(e.what.length, step.id).toBeGreaterThan(40);
      for (const a of [...e.actions, ...proofOf(e)]) {
        if (a.node !== undefined) expect(nodes, `${step.id}: ${a.node}`).toContain(a.node);
        expect(`${a.command ?? ""} ${a.note}`, step.id).not.toMatch(/undefined|\[object|NaN/);
      }
      // Work done in the nodes can be proven there; work kubelab does on the host cannot.
      const inNodes = e.actions.some((a) => a.command !== undefined);
      if (!inNodes) expect(proofOf(e), step.id).toEqual([]);
    }
  });

  it("names the commands the steps run: etcd started and its health checked on each member", () => {
    const etcd = upSteps(plan).find((s) => s.step.id === "etcd")!.step.explain(plan);
    for (const member of plan.nodes.filter((n) => n.etcd)) {
      expect(etcd.actions).toContainEqual({ node: member.name, command: shellLine(startUnitsArgv(["etcd"])), note: "start the etcd unit" });
      expect(etcd.actions).toContainEqual(expect.objectContaining({ node: member.name, command: shellLine(etcdHealthArgv(plan, member)), untilMs: 30_000 }));
    }
  });

  it("lists every file each node gets, certificates with their subject, SANs, issuer and usage", () => {
    const files = upSteps(plan).find((s) => s.step.id === "files")!.step.explain(plan);
    for (const node of plan.nodes) {
      for (const f of nodeFiles(plan, node, PLACEHOLDER_PKI, PLACEHOLDER_IMAGES)) {
        const action = files.actions.find((a) => a.node === node.name && a.note.startsWith(`write ${f.path} `));
        expect(action, `${node.name}:${f.path}`).toBeDefined();
        if (f.path.endsWith(".crt")) expect(action!.note).toMatch(/subject: CN=.*issued by: .*usage: /);
        if (f.path.endsWith(".key")) expect(action!.note).toContain("(0600)");
      }
    }
    const apiCert = files.actions.find((a) => /write \/etc\/kubernetes\/pki\/(kube-apiserver|kubernetes)\.crt /.test(a.note));
    expect(apiCert?.note).toContain(`IP:${plan.network.serviceIp}`);
  });
});

describe("explain text", () => {
  const plan = coreosSinglePlan();

  it("shows one step as a person types it: node by node, a wait as an until loop with its limit", () => {
    const text = explainText(explainPlan(plan, "file", "etcd"), 100, true);
    expect(text).toContain("etcd: Starting etcd (runs alongside kubelet)");
    expect(text).toContain("  on core1:\n    # start the etcd unit\n    $ systemctl start --no-block etcd\n");
    expect(text).toContain("    # until the member is healthy (at most 30 s)\n    $ until etcdctl --endpoints=https://172.30.0.10:2379 ");
    expect(text).toMatch(/endpoint health; do sleep 1; done\n$/);
  });

  it("lists every step in brief, then says how to see one and how to stop before one", () => {
    const text = explainText(explainPlan(plan, "file"), 100, false);
    for (const { step } of upSteps(plan)) expect(text).toContain(`\n${step.id}: ${step.title}`);
    expect(text).not.toContain("$ ");
    expect(text).toContain("lab explain coreos-single STEP");
    expect(text).toContain("lab up coreos-single --until STEP");
    for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it("refuses a step the lab does not have, listing those it has", () => {
    let error: unknown;
    try {
      requireStep(plan, "flannel");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).hint).toBe(`its steps, in order: ${upSteps(plan).map((s) => s.step.id).join(", ")}`);
  });
});
