/**
 * VERSIONS files: one "component version" line each, versions normalised to "vX.Y.Z" (Debian and
 * other packager suffixes dropped), unknown lines ignored. Read from real files in temp folders.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readVersionsFile } from "../../src/artifacts/versions-file.js";
import { tempDir } from "./support.js";

let root: string;
let count = 0;

beforeAll(async () => {
  root = await tempDir("versions");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A folder holding a VERSIONS file with `text`. */
async function folderWith(text: string): Promise<string> {
  const dir = join(root, `case-${++count}`);
  await mkdir(dir);
  await writeFile(join(dir, "VERSIONS"), text);
  return dir;
}

describe("readVersionsFile", () => {
  const cases: { name: string; text: string; expected: Record<string, string> }[] = [
    {
      name: "the real test folder's file (Debian CNI suffix, etcd without v)",
      text: "kubernetes v1.20.2\netcd 3.4.23\ncni-plugins 1.1.1+ds1-3+b5\n",
      expected: { kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1" },
    },
    {
      name: "every version already with a v",
      text: "kubernetes v1.21.0\netcd v3.4.13\ncni-plugins v0.9.1\n",
      expected: { kubernetes: "v1.21.0", etcd: "v3.4.13", "cni-plugins": "v0.9.1" },
    },
    {
      name: "packager suffixes of every kind",
      text: "kubernetes 1.20.2-00\netcd 3.4.23-0\ncni-plugins 1.1.1+ds1-3+b5\n",
      expected: { kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1" },
    },
    {
      name: "CRLF line ends, indentation, blank lines and extra spaces",
      text: "\r\n  kubernetes    v1.20.2  \r\n\r\n\tetcd\t3.4.23\r\ncni-plugins 1.1.1\r\n",
      expected: { kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1" },
    },
    {
      name: "a flannel line next to the others",
      text: "kubernetes v1.20.2\netcd 3.4.23\ncni-plugins 1.1.1\nflannel v0.22.0\n",
      expected: { kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1", flannel: "v0.22.0" },
    },
    {
      name: "no trailing newline",
      text: "etcd 3.5.0",
      expected: { etcd: "v3.5.0" },
    },
    {
      name: "unknown components, comments and versions without a patch level are ignored",
      text: "# built by k8s-test-artifacts\ncontainerd 1.6.20\nkubernetes 1.20\netcd\ncni-plugins latest\nkube-apiserver v1.20.2\n",
      expected: {},
    },
    {
      name: "a later line wins",
      text: "etcd 3.4.13\netcd 3.4.23\n",
      expected: { etcd: "v3.4.23" },
    },
    {
      name: "an empty file",
      text: "",
      expected: {},
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect(await readVersionsFile(await folderWith(c.text))).toStrictEqual(c.expected);
    });
  }

  it("reads nothing from a folder without VERSIONS, or one that does not exist", async () => {
    const empty = join(root, "empty");
    await mkdir(empty);
    expect(await readVersionsFile(empty)).toStrictEqual({});
    expect(await readVersionsFile(join(root, "no-such-folder"))).toStrictEqual({});
  });
});
