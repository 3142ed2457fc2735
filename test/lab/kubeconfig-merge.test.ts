/**
 * The lab's entries going into and out of a user's kubeconfig, as text: the lab's cluster, user
 * and context `lab-NAME` with its embedded certificates; every other entry, comment and the
 * file's layout kept; re-merging replacing (the same text again); the current context set only
 * when there was none and cleared only when it was the lab's; an unreadable file refused with a
 * hint. The files kubectl itself writes and reads are in test/cli/kubeconfig-cli.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { UserError } from "../../src/errors.js";
import { labEntryName, mergeLabEntries, removeLabEntries } from "../../src/lab/kubeconfig-merge.js";
import { renderKubeconfig } from "../../src/render/kubeconfig.js";

const FILE = "/home/someone/.kube/config";
const NAME = labEntryName("demo");

/** A lab's admin kubeconfig as the renderer writes it (PEM text here; its base64 is what matters). */
const LAB = renderKubeconfig({
  cluster: "demo",
  server: "https://172.30.9.10:6443",
  caPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
  user: "admin",
  certPem: "-----BEGIN CERTIFICATE-----\nADMIN\n-----END CERTIFICATE-----\n",
  keyPem: "-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----\n",
});
const labConfig = parse(LAB) as { clusters: [{ cluster: object }]; users: [{ user: object }] };

/** A user's kubeconfig laid out as kubectl writes it, with a comment and another cluster in use. */
const USER = `# my clusters
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: T1RIRVI=
    server: https://10.9.9.9:6443
  name: other
contexts:
- context:
    cluster: other
    namespace: work # where I work
    user: other-admin
  name: other
current-context: other
kind: Config
preferences: {}
users:
- name: other-admin
  user:
    token: secret-token
`;

interface Config {
  clusters: Array<{ name: string; cluster: unknown }>;
  users: Array<{ name: string; user: unknown }>;
  contexts: Array<{ name: string; context: unknown }>;
  "current-context"?: string;
}

const read = (text: string): Config => parse(text) as Config;

describe("mergeLabEntries", () => {
  it("adds the lab's cluster, user and context lab-NAME, certificates embedded, and keeps the current context", () => {
    const merged = mergeLabEntries(USER, LAB, NAME, FILE);
    const config = read(merged.text);
    expect(config.clusters).toEqual([
      { name: "other", cluster: { "certificate-authority-data": "T1RIRVI=", server: "https://10.9.9.9:6443" } },
      { name: NAME, cluster: labConfig.clusters[0].cluster },
    ]);
    expect(config.users).toEqual([
      { name: "other-admin", user: { token: "secret-token" } },
      { name: NAME, user: labConfig.users[0].user },
    ]);
    expect(config.contexts).toEqual([
      { name: "other", context: { cluster: "other", namespace: "work", user: "other-admin" } },
      { name: NAME, context: { cluster: NAME, user: NAME } },
    ]);
    expect(labConfig.clusters[0].cluster).toMatchObject({ server: "https://172.30.9.10:6443", "certificate-authority-data": expect.stringMatching(/^LS0t/) });
    expect(config["current-context"]).toBe("other");
    expect(merged).toMatchObject({ currentContextSet: false, replaced: false });
  });

  it("keeps the comments and kubectl's layout of everything else", () => {
    const { text } = mergeLabEntries(USER, LAB, NAME, FILE);
    expect(text.startsWith("# my clusters\napiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: T1RIRVI=\n")).toBe(true);
    expect(text).toContain("    namespace: work # where I work\n");
    expect(text).toContain("users:\n- name: other-admin\n  user:\n    token: secret-token\n");
  });

  it("keeps indented lists indented", () => {
    const indented = stringify(read(USER), { indentSeq: true });
    expect(indented).toContain("clusters:\n  - cluster:");
    const { text } = mergeLabEntries(indented, LAB, NAME, FILE);
    expect(text).toContain("clusters:\n  - cluster:");
    expect(text).toContain(`\n  - name: ${NAME}\n`);
  });

  it("replaces its own entries when merged again: the same file, one entry each", () => {
    const once = mergeLabEntries(USER, LAB, NAME, FILE);
    const twice = mergeLabEntries(once.text, LAB, NAME, FILE);
    expect(twice.text).toBe(once.text);
    expect(twice.replaced).toBe(true);
    const config = read(twice.text);
    for (const section of ["clusters", "users", "contexts"] as const) {
      expect(config[section].filter((e) => e.name === NAME)).toHaveLength(1);
    }
  });

  it("replaces stale entries of the same name (a lab brought up again with a new CA)", () => {
    const stale = mergeLabEntries(USER, LAB.replace(/certificate-authority-data: \S+/, "certificate-authority-data: T0xE"), NAME, FILE);
    const fresh = mergeLabEntries(stale.text, LAB, NAME, FILE);
    expect(fresh.text).toBe(mergeLabEntries(USER, LAB, NAME, FILE).text);
  });

  it("makes a whole kubeconfig, current context set, when there is no file or an empty one", () => {
    for (const text of [undefined, "", "# nothing yet\n"]) {
      const merged = mergeLabEntries(text, LAB, NAME, FILE);
      const config = read(merged.text);
      expect(config).toMatchObject({ apiVersion: "v1", kind: "Config", "current-context": NAME });
      expect(config.contexts).toEqual([{ name: NAME, context: { cluster: NAME, user: NAME } }]);
      expect(merged.currentContextSet).toBe(true);
    }
  });

  it("sets the current context when the file has an empty one, and fills the empty lists kubectl writes as null", () => {
    const empty = "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n";
    const merged = mergeLabEntries(empty, LAB, NAME, FILE);
    const config = read(merged.text);
    expect(config["current-context"]).toBe(NAME);
    expect(config.clusters.map((c) => c.name)).toEqual([NAME]);
    expect(config.users.map((u) => u.name)).toEqual([NAME]);
    expect(merged.currentContextSet).toBe(true);
  });

  it("refuses a file that is not a kubeconfig, naming it, and leaves it alone", () => {
    for (const bad of ["clusters: [\n", "- just\n- a list\n"]) {
      const error = (() => {
        try {
          mergeLabEntries(bad, LAB, NAME, FILE);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(new RegExp(`^failed to read the kubeconfig ${FILE}: `));
      expect((error as UserError).hint).toMatch(/KUBECONFIG/);
      expect((error as UserError).exitCode).toBe(2);
    }
  });
});

describe("removeLabEntries", () => {
  it("takes out exactly what merging put in: the file is as it was", () => {
    const merged = mergeLabEntries(USER, LAB, NAME, FILE);
    const removed = removeLabEntries(merged.text, NAME, FILE);
    expect(removed.text).toBe(USER);
    expect(removed).toMatchObject({ removed: 3, currentContextCleared: false });
  });

  it("clears the current context when it was the lab's", () => {
    const merged = mergeLabEntries(undefined, LAB, NAME, FILE);
    const removed = removeLabEntries(merged.text, NAME, FILE);
    const config = read(removed.text);
    expect(config["current-context"]).toBeUndefined();
    expect(config.clusters).toEqual([]);
    expect(removed).toMatchObject({ removed: 3, currentContextCleared: true });
  });

  it("leaves a file without the lab's entries as it is", () => {
    expect(removeLabEntries(USER, NAME, FILE)).toEqual({ text: USER, removed: 0, currentContextCleared: false });
  });

  it("removes only the lab's entries, not another lab's", () => {
    const two = mergeLabEntries(mergeLabEntries(USER, LAB, NAME, FILE).text, LAB, labEntryName("demo2"), FILE);
    const config = read(removeLabEntries(two.text, NAME, FILE).text);
    expect(config.contexts.map((c) => c.name)).toEqual(["other", "lab-demo2"]);
    expect(config.clusters.map((c) => c.name)).toEqual(["other", "lab-demo2"]);
    expect(config.users.map((c) => c.name)).toEqual(["other-admin", "lab-demo2"]);
  });
});
