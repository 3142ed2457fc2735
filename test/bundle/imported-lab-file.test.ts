/**
 * The lab file an import brings up: the bundle's, renamed, without the exporting host's node
 * subnet, fixed node addresses in it and artifacts.dir, each change said in a note; everything
 * else (versions, nodes and roles, networks, checks) as it was. A bundle's file that does not
 * load, or a new name that is not valid, is refused with the lab file's problems (exit code 2).
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { importedLabFile } from "../../src/bundle/imported-lab-file.js";
import { parseLab } from "../../src/config/load-lab.js";
import { LabFileError } from "../../src/config/problem.js";
import { packagePath } from "../../src/package-root.js";

/** labs/fedora-multi.yaml as `lab up` keeps it: defaults applied, groups expanded, a node subnet. */
async function exportedFedora(edit: (lab: Record<string, unknown>) => void = () => undefined): Promise<string> {
  const { lab } = parseLab(await readFile(packagePath("labs", "fedora-multi.yaml"), "utf8"), "fedora-multi.yaml");
  const resolved = JSON.parse(JSON.stringify({ ...lab, network: { ...lab.network, nodeSubnet: "172.30.5.0/24" } })) as Record<string, unknown>;
  edit(resolved);
  return stringify(resolved);
}

describe("importedLabFile", () => {
  it("renames the lab and drops its node subnet, saying so, and keeps everything else", async () => {
    const text = await exportedFedora();
    const imported = importedLabFile(text, "fed-copy", "x.tar.gz:lab.yaml");
    expect(imported.from).toBe("fedora-multi");
    const before = parse(text) as { name: string; network: Record<string, unknown> };
    const after = parse(imported.text) as { name: string; network: Record<string, unknown> };
    expect(after.name).toBe("fed-copy");
    expect(after.network.nodeSubnet).toBeUndefined();
    const { nodeSubnet: _subnet, ...network } = before.network;
    expect({ ...after, name: before.name, network: { ...after.network } }).toEqual({ ...before, network });
    expect(imported.notes).toEqual([
      "lab fedora-multi is imported as fed-copy",
      "the bundle's node subnet 172.30.5.0/24 is not reused (the original lab may still run on this host): a free one is picked",
    ]);
  });

  it("keeps the name when it is the same, and drops fixed node addresses and artifacts.dir with a note each", async () => {
    const text = await exportedFedora((lab) => {
      (lab.nodes as Record<string, unknown>[])[0]!.ip = "172.30.5.20";
      (lab.artifacts as Record<string, unknown>).dir = "../bin";
    });
    const imported = importedLabFile(text, "fedora-multi", "x.tar.gz:lab.yaml");
    const after = parse(imported.text) as { name: string; nodes: { ip?: string }[]; artifacts: Record<string, unknown> };
    expect(after.name).toBe("fedora-multi");
    expect(after.nodes.every((n) => n.ip === undefined)).toBe(true);
    expect(after.artifacts).toEqual({ etcdVersion: "v3.4.23", cniVersion: "v1.1.1", flannelVersion: "v0.22.0" });
    expect(imported.notes).toHaveLength(3);
    expect(imported.notes[1]).toMatch(/fixed addresses \(fed-master 172\.30\.5\.20\)/);
    expect(imported.notes[2]).toMatch(/^artifacts\.dir \.\.\/bin is a folder of the exporting host and is not used/);
  });

  it("refuses a bundle's lab file that does not load, and a new name that is not valid", async () => {
    expect(() => importedLabFile("name: x\nnodes: oops\n", "x", "x.tar.gz:lab.yaml")).toThrow(LabFileError);
    try {
      importedLabFile(await exportedFedora(), "Fed_Copy", "x.tar.gz:lab.yaml");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LabFileError);
      expect((error as LabFileError).exitCode).toBe(2);
      expect((error as LabFileError).message).toMatch(/^failed to load lab file x\.tar\.gz:lab\.yaml \(as imported\)/);
      expect((error as LabFileError).problems.map((p) => p.message)).toContain('lab name "Fed_Copy" is not a valid name');
    }
  });
});
