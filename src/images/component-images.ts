/**
 * The images static pods run: registry.k8s.io/<component>:<version> when the host's Docker engine
 * has or can pull them; otherwise the same images built here from the lab's binaries, as the
 * release's <component>.tar holds them (the static binary alone; kube-proxy on a minimal iptables
 * base). A replaced binary (`--with`) always gets a local image. Each image is kept as a
 * `docker save` tarball in the cache, which is what nodes load into containerd.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type Docker from "dockerode";
import type { ResolvedArtifacts } from "../artifacts/resolve-artifacts.js";
import { sha256File } from "../artifacts/file-hash.js";
import { writeFileAtomic } from "../atomic-write.js";
import type { Plan } from "../plan/plan.js";
import { STATIC_POD_COMPONENTS, type ComponentImages, type StaticPodComponent } from "../render/static-pods.js";
import { ensureBaseImage } from "./base-image.js";
import { buildImage, hasImage, saveImage, tryPull } from "./docker-engine.js";
import { recipeContext, recipeHash } from "./recipes.js";

/** Registry of locally built images (never pushed anywhere). */
export const LOCAL_REGISTRY = "kubelab.local";

/** The images of a lab's static pods and their tarballs. */
export interface ComponentImageSet {
  /** The reference each manifest names. */
  refs: ComponentImages;
  /** Host path of each image's `docker save` tarball. */
  archives: Record<StaticPodComponent, string>;
  /** Where each came from. */
  origins: Record<StaticPodComponent, "upstream" | "built">;
}

/** Options of {@link ensureComponentImages}. */
export interface ComponentImageOptions {
  docker: Docker;
  plan: Plan;
  artifacts: ResolvedArtifacts;
  /** The cache folder; tarballs go to <cache>/images. */
  cacheDir: string;
  onProgress?: (line: string) => void;
}

/** The minimal iptables image kube-proxy's local image builds on. */
async function ensureIptablesBase(options: ComponentImageOptions): Promise<string> {
  const { docker, onProgress } = options;
  const image = `kubelab/iptables:${await recipeHash(["iptables"])}`;
  if (await hasImage(docker, image)) return image;
  const base = await ensureBaseImage({ docker, workDir: join(options.cacheDir, "build"), onProgress });
  await buildImage(docker, { tag: image, files: await recipeContext("iptables"), buildargs: { BASE_IMAGE: base.image }, what: "the iptables base image", onProgress });
  return image;
}

/** The SHA-256 of the binary a lab runs: a replaced one's own, else the cache manifest's, else computed. */
async function binaryHash(artifacts: ResolvedArtifacts, name: string): Promise<string> {
  const custom = artifacts.sources.find((s) => s.binary === name);
  if (custom) return typeof custom.sha256 === "string" ? custom.sha256 : sha256File(custom.path);
  for (const source of artifacts.sources) {
    if (typeof source.sha256 === "object" && source.sha256[name]) return source.sha256[name];
  }
  return sha256File(artifacts.binaries[name]!);
}

/** The file name a reference's tarball gets. */
export function archiveName(ref: string): string {
  return `${ref.replace(/[^A-Za-z0-9._-]+/g, "_")}.tar`;
}

/** Makes sure every static pod image exists, as an image and as a tarball. */
export async function ensureComponentImages(options: ComponentImageOptions): Promise<ComponentImageSet> {
  const { docker, plan, artifacts, onProgress } = options;
  const version = plan.kubernetes.raw;
  const refs = {} as ComponentImages;
  const archives = {} as Record<StaticPodComponent, string>;
  const origins = {} as Record<StaticPodComponent, "upstream" | "built">;
  for (const component of STATIC_POD_COMPONENTS) {
    const custom = artifacts.sources.some((s) => s.binary === component);
    const upstream = `registry.k8s.io/${component}:${version}`;
    if (!custom && ((await hasImage(docker, upstream)) || (await tryPull(docker, upstream)))) {
      refs[component] = upstream;
      origins[component] = "upstream";
    } else {
      const hash = (await binaryHash(artifacts, component)).slice(0, 12);
      const ref = `${LOCAL_REGISTRY}/${component}:${version}-${hash}`;
      if (!(await hasImage(docker, ref))) {
        onProgress?.(`building ${ref} from ${artifacts.binaries[component]}`);
        const from = component === "kube-proxy" ? await ensureIptablesBase(options) : "scratch";
        await buildImage(docker, {
          tag: ref,
          what: `the ${component} image`,
          onProgress,
          files: {
            Dockerfile: { content: Buffer.from(`FROM ${from}\nCOPY ${component} /usr/local/bin/${component}\nENTRYPOINT ["/usr/local/bin/${component}"]\n`) },
            [component]: { content: await readFile(artifacts.binaries[component]!), mode: 0o755 },
          },
        });
      }
      refs[component] = ref;
      origins[component] = "built";
    }
    const archive = join(options.cacheDir, "images", archiveName(refs[component]));
    if (!(await access(archive).then(() => true, () => false))) {
      onProgress?.(`saving ${refs[component]}`);
      await writeFileAtomic(archive, await saveImage(docker, refs[component]));
    }
    archives[component] = archive;
  }
  return { refs, archives, origins };
}
