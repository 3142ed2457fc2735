/**
 * What a pod wait reads from its one exec: the watch's last line, then the pod as JSON, then (when
 * asked for) its log, parted by marker lines. The pod checks' end-to-end runs read real output.
 */
import { describe, expect, it } from "vitest";
import { settledOutput } from "../../src/checks/check-pods.js";

const POD = { metadata: { name: "logs-core1-abc123" }, spec: { nodeName: "core1" }, status: { phase: "Succeeded" } };

describe("settledOutput", () => {
  it("reads the pod and its log after the watch's last line", () => {
    const out = ["Succeeded", "--- kubelab: the pod ---", JSON.stringify(POD, null, 4), "--- kubelab: its log ---", "kubelab pod on core1 says abc123", ""].join("\n");
    expect(settledOutput(out)).toEqual({ pod: POD, log: "kubelab pod on core1 says abc123" });
  });

  it("has no log when none was asked for, and an empty one when the pod printed nothing", () => {
    expect(settledOutput(`Running\n--- kubelab: the pod ---\n${JSON.stringify(POD)}\n`)).toEqual({ pod: POD, log: undefined });
    expect(settledOutput(`Succeeded\n--- kubelab: the pod ---\n${JSON.stringify(POD)}\n--- kubelab: its log ---\n`)?.log).toBe("");
  });

  it("has no pod when kubectl found none (or printed something else), and nothing at all without the marker", () => {
    expect(settledOutput("no answer from the API server at https://10.0.0.1:6443\n--- kubelab: the pod ---\n")).toEqual({ pod: undefined, log: undefined });
    expect(settledOutput("Pending\n--- kubelab: the pod ---\n{ cut short")?.pod).toBeUndefined();
    // The exec itself failed (the node is gone): the caller asks for the pod on its own.
    expect(settledOutput("Error response from daemon: container is not running")).toBeUndefined();
  });
});
