/**
 * Where releases are downloaded from (upstream, or a mirror with the upstream paths below
 * <mirror>/<component>), how published checksum files are read, and how flanneld's hash is found
 * in GitHub's release API (flannel publishes no checksum file).
 */
import { describe, expect, it } from "vitest";
import { GITHUB_API_BASE, parseChecksum, releaseAssetDigest, remoteFiles, UPSTREAM_BASES } from "../../src/artifacts/download.js";
import { KUBERNETES_BINARIES } from "./support.js";

const HASH_A = "5f8b6a2bd56e44bf48b0b6ea6b9b3bb7cb0e09ecc1b3d3dd3b9c8e0a2d7a1c11";
const HASH_B = "0c3e4b2f9d5a6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

describe("parseChecksum", () => {
  const cases: { name: string; text: string; file: string; expected: string | undefined }[] = [
    { name: "a bare hash (dl.k8s.io .sha256)", text: `${HASH_A}\n`, file: "kube-apiserver", expected: HASH_A },
    { name: "a bare hash without newline", text: HASH_A, file: "kubectl", expected: HASH_A },
    { name: "a bare upper-case hash, lower-cased", text: `${HASH_A.toUpperCase()}\r\n`, file: "kubectl", expected: HASH_A },
    { name: "a bare hash with surrounding blank lines", text: `\n\n  ${HASH_A}  \n\n`, file: "kubectl", expected: HASH_A },
    { name: "'hash  name' (sha256sum text mode)", text: `${HASH_A}  cni-plugins-linux-amd64-v1.1.1.tgz\n`, file: "cni-plugins-linux-amd64-v1.1.1.tgz", expected: HASH_A },
    { name: "'hash *name' (sha256sum binary mode)", text: `${HASH_A} *etcd-v3.4.23-linux-amd64.tar.gz\n`, file: "etcd-v3.4.23-linux-amd64.tar.gz", expected: HASH_A },
    {
      name: "the matching line of a SHA256SUMS file",
      text: [
        `${HASH_B}  etcd-v3.4.23-darwin-amd64.zip`,
        `${HASH_A}  etcd-v3.4.23-linux-amd64.tar.gz`,
        `${HASH_B}  etcd-v3.4.23-linux-arm64.tar.gz`,
        "",
      ].join("\n"),
      file: "etcd-v3.4.23-linux-amd64.tar.gz",
      expected: HASH_A,
    },
    { name: "a path prefix", text: `${HASH_B}  other.tgz\n${HASH_A}  ./release/v1.1.1/cni-plugins-linux-amd64-v1.1.1.tgz\n`, file: "cni-plugins-linux-amd64-v1.1.1.tgz", expected: HASH_A },
    { name: "a ./ prefix", text: `${HASH_A}  ./etcd-v3.4.23-linux-amd64.tar.gz\n`, file: "etcd-v3.4.23-linux-amd64.tar.gz", expected: HASH_A },
    { name: "CRLF line ends", text: `${HASH_B}  a.tgz\r\n${HASH_A}  b.tgz\r\n`, file: "b.tgz", expected: HASH_A },
    { name: "the entry is missing", text: `${HASH_B}  etcd-v3.4.23-darwin-amd64.zip\n${HASH_B}  etcd-v3.4.23-linux-arm64.tar.gz\n`, file: "etcd-v3.4.23-linux-amd64.tar.gz", expected: undefined },
    { name: "a one-line file for another name", text: `${HASH_A}  kube-proxy\n`, file: "kubelet", expected: undefined },
    { name: "a name that only ends like the wanted one", text: `${HASH_A}  not-etcd-v3.4.23-linux-amd64.tar.gz\n`, file: "etcd-v3.4.23-linux-amd64.tar.gz", expected: undefined },
    { name: "a short hash", text: `${HASH_A.slice(0, 63)}  kubelet\n`, file: "kubelet", expected: undefined },
    { name: "a bare short hash", text: HASH_A.slice(1), file: "kubelet", expected: undefined },
    { name: "a bare hash that is not hex", text: `${"g".repeat(64)}\n`, file: "kubelet", expected: undefined },
    { name: "an HTML error page", text: "<html><body>Not Found</body></html>\n", file: "kubelet", expected: undefined },
    { name: "an empty file", text: "", file: "kubelet", expected: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parseChecksum(c.text, c.file)).toBe(c.expected);
    });
  }
});

describe("remoteFiles", () => {
  it("names the upstream Kubernetes binaries on dl.k8s.io, each with its .sha256", () => {
    expect(remoteFiles("kubernetes", "v1.20.2")).toStrictEqual(
      KUBERNETES_BINARIES.map((bin) => ({
        url: `https://dl.k8s.io/release/v1.20.2/bin/linux/amd64/${bin}`,
        checksumUrl: `https://dl.k8s.io/release/v1.20.2/bin/linux/amd64/${bin}.sha256`,
        checksumName: bin,
      })),
    );
    const urls = remoteFiles("kubernetes", "v1.20.2").map((f) => f.url);
    expect(urls).toContain("https://dl.k8s.io/release/v1.20.2/bin/linux/amd64/kube-apiserver");
    expect(urls).toHaveLength(6);
  });

  it("names the etcd release tarball on GitHub and its SHA256SUMS", () => {
    expect(remoteFiles("etcd", "v3.4.23")).toStrictEqual([
      {
        url: "https://github.com/etcd-io/etcd/releases/download/v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz",
        checksumUrl: "https://github.com/etcd-io/etcd/releases/download/v3.4.23/SHA256SUMS",
        checksumName: "etcd-v3.4.23-linux-amd64.tar.gz",
      },
    ]);
  });

  it("names the CNI plugins tarball on GitHub and its .sha256", () => {
    expect(remoteFiles("cni-plugins", "v1.1.1")).toStrictEqual([
      {
        url: "https://github.com/containernetworking/plugins/releases/download/v1.1.1/cni-plugins-linux-amd64-v1.1.1.tgz",
        checksumUrl: "https://github.com/containernetworking/plugins/releases/download/v1.1.1/cni-plugins-linux-amd64-v1.1.1.tgz.sha256",
        checksumName: "cni-plugins-linux-amd64-v1.1.1.tgz",
      },
    ]);
  });

  it("keeps the upstream paths below <mirror>/<component>, with or without a trailing slash", () => {
    for (const mirror of ["http://mirror.lan:8080/k8s", "http://mirror.lan:8080/k8s/", "http://mirror.lan:8080/k8s//"]) {
      expect(remoteFiles("kubernetes", "v1.20.2", mirror)[0]).toStrictEqual({
        url: "http://mirror.lan:8080/k8s/kubernetes/v1.20.2/bin/linux/amd64/kube-apiserver",
        checksumUrl: "http://mirror.lan:8080/k8s/kubernetes/v1.20.2/bin/linux/amd64/kube-apiserver.sha256",
        checksumName: "kube-apiserver",
      });
      expect(remoteFiles("etcd", "v3.4.23", mirror)).toStrictEqual([
        {
          url: "http://mirror.lan:8080/k8s/etcd/v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz",
          checksumUrl: "http://mirror.lan:8080/k8s/etcd/v3.4.23/SHA256SUMS",
          checksumName: "etcd-v3.4.23-linux-amd64.tar.gz",
        },
      ]);
      expect(remoteFiles("cni-plugins", "v1.1.1", mirror)).toStrictEqual([
        {
          url: "http://mirror.lan:8080/k8s/cni-plugins/v1.1.1/cni-plugins-linux-amd64-v1.1.1.tgz",
          checksumUrl: "http://mirror.lan:8080/k8s/cni-plugins/v1.1.1/cni-plugins-linux-amd64-v1.1.1.tgz.sha256",
          checksumName: "cni-plugins-linux-amd64-v1.1.1.tgz",
        },
      ]);
    }
  });

  it("mirrors every upstream URL by replacing only the base", () => {
    const mirror = "http://127.0.0.1:9/m";
    for (const component of ["kubernetes", "etcd", "cni-plugins"] as const) {
      const version = { kubernetes: "v1.20.2", etcd: "v3.4.23", "cni-plugins": "v1.1.1" }[component];
      const upstream = remoteFiles(component, version);
      const mirrored = remoteFiles(component, version, mirror);
      expect(mirrored.map((f) => f.url)).toStrictEqual(upstream.map((f) => f.url.replace(UPSTREAM_BASES[component], `${mirror}/${component}`)));
      expect(mirrored.map((f) => f.checksumUrl)).toStrictEqual(
        upstream.map((f) => f.checksumUrl.replace(UPSTREAM_BASES[component], `${mirror}/${component}`)),
      );
    }
  });

  it("uses the given architecture", () => {
    expect(remoteFiles("kubernetes", "v1.20.2", undefined, "arm64")[5]?.url).toBe("https://dl.k8s.io/release/v1.20.2/bin/linux/arm64/kubectl");
    expect(remoteFiles("etcd", "v3.4.23", undefined, "arm64")[0]?.checksumName).toBe("etcd-v3.4.23-linux-arm64.tar.gz");
    expect(remoteFiles("cni-plugins", "v1.1.1", undefined, "arm64")[0]?.checksumName).toBe("cni-plugins-linux-arm64-v1.1.1.tgz");
  });
});

describe("remoteFiles for flannel", () => {
  it("names flanneld-<arch> of the GitHub release, checked against the release API, cached as flanneld", () => {
    expect(UPSTREAM_BASES.flannel).toBe("https://github.com/flannel-io/flannel/releases/download");
    expect(GITHUB_API_BASE).toBe("https://api.github.com");
    expect(remoteFiles("flannel", "v0.22.0")).toStrictEqual([
      {
        url: "https://github.com/flannel-io/flannel/releases/download/v0.22.0/flanneld-amd64",
        checksumUrl: "https://api.github.com/repos/flannel-io/flannel/releases/tags/v0.22.0",
        checksumName: "flanneld-amd64",
        checksumSource: "github-release",
        storeAs: "flanneld",
      },
    ]);
    expect(remoteFiles("flannel", "v0.22.0", undefined, "arm64")[0]).toMatchObject({
      url: "https://github.com/flannel-io/flannel/releases/download/v0.22.0/flanneld-arm64",
      checksumName: "flanneld-arm64",
    });
  });

  it("takes flanneld and a .sha256 next to it from a mirror, without asking GitHub's API", () => {
    for (const mirror of ["http://mirror.lan:8080/k8s", "http://mirror.lan:8080/k8s/"]) {
      expect(remoteFiles("flannel", "v0.22.0", mirror)).toStrictEqual([
        {
          url: "http://mirror.lan:8080/k8s/flannel/v0.22.0/flanneld-amd64",
          checksumUrl: "http://mirror.lan:8080/k8s/flannel/v0.22.0/flanneld-amd64.sha256",
          checksumName: "flanneld-amd64",
          storeAs: "flanneld",
        },
      ]);
    }
  });

  it("uses the given upstream and API bases when no mirror is set, and the mirror when one is", () => {
    const bases = { upstreamBases: { flannel: "http://127.0.0.1:9/up/flannel/" }, githubApiBase: "http://127.0.0.1:9/api/" };
    expect(remoteFiles("flannel", "v0.22.0", undefined, "amd64", bases)[0]).toMatchObject({
      url: "http://127.0.0.1:9/up/flannel/v0.22.0/flanneld-amd64",
      checksumUrl: "http://127.0.0.1:9/api/repos/flannel-io/flannel/releases/tags/v0.22.0",
    });
    // Bases of other components are left as they are.
    expect(remoteFiles("etcd", "v3.4.23", undefined, "amd64", bases)[0]?.url).toBe(
      "https://github.com/etcd-io/etcd/releases/download/v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz",
    );
    expect(remoteFiles("flannel", "v0.22.0", "http://m", "amd64", bases)[0]).toMatchObject({
      url: "http://m/flannel/v0.22.0/flanneld-amd64",
      checksumUrl: "http://m/flannel/v0.22.0/flanneld-amd64.sha256",
    });
  });
});

describe("releaseAssetDigest", () => {
  const asset = (name: string, digest?: string | null): Record<string, unknown> => ({
    url: `https://api.github.com/repos/flannel-io/flannel/releases/assets/${name.length}`,
    name,
    content_type: "application/octet-stream",
    size: 1234,
    browser_download_url: `https://github.com/flannel-io/flannel/releases/download/v0.22.0/${name}`,
    ...(digest === undefined ? {} : { digest }),
  });
  const release = (...assets: Record<string, unknown>[]): unknown => ({ tag_name: "v0.22.0", name: "v0.22.0", assets });

  it("reads the sha256 digest of the named asset, lower-cased", () => {
    const json = release(asset("flanneld-arm64", `sha256:${HASH_B}`), asset("flanneld-amd64", `sha256:${HASH_A.toUpperCase()}`));
    expect(releaseAssetDigest(json, "flanneld-amd64")).toStrictEqual({ listed: true, sha256: HASH_A });
    expect(releaseAssetDigest(json, "flanneld-arm64")).toStrictEqual({ listed: true, sha256: HASH_B });
  });

  it("has no hash for a listed asset without a digest, with a null one, or one of another algorithm or length", () => {
    for (const digest of [undefined, null, "", `sha512:${HASH_A}${HASH_B}`, `sha256:${HASH_A.slice(1)}`, HASH_A]) {
      expect(releaseAssetDigest(release(asset("flanneld-amd64", digest)), "flanneld-amd64"), String(digest)).toStrictEqual({ listed: true, sha256: undefined });
    }
  });

  it("does not list an asset the release lacks, nor anything from what is not a release", () => {
    expect(releaseAssetDigest(release(asset("flanneld-arm64", `sha256:${HASH_A}`)), "flanneld-amd64")).toStrictEqual({ listed: false, sha256: undefined });
    for (const json of [null, "flanneld-amd64", [], { message: "Not Found" }, { assets: "flanneld-amd64" }, { assets: [null, 3, ["flanneld-amd64"]] }]) {
      expect(releaseAssetDigest(json, "flanneld-amd64"), JSON.stringify(json)).toStrictEqual({ listed: false, sha256: undefined });
    }
  });
});
