/**
 * kubelab's own libvirt box, made offline from the node image so that VM nodes run exactly the
 * userland container nodes run: the recipe under images/box adds a kernel, an initrd, udev, SSH
 * and Vagrant's user to the node image; the image's files become an ext4 filesystem on a qcow2
 * disk, which boots with that kernel and initrd directly. Each build makes its own SSH key pair.
 *
 * The box is named after a hash of the recipes it is made of (node, pause, toolbox, box), so an
 * edited recipe gives a new box and an unchanged one is never built again. It is added to the
 * user's Vagrant; nothing of the build stays behind (no box file, image, container or work folder):
 * Vagrant's copy is the only one.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type Docker from "dockerode";
import { UserError } from "../errors.js";
import { generateSshKeyPair } from "../pki/ssh-key.js";
import { ensureNodeImage } from "../providers/docker/node-image.js";
import { BOX_DISK_GIB, BOX_FILES, boxMetadata, boxVagrantfile } from "./box-files.js";
import { prepareBoxRootfs } from "./box-rootfs.js";
import { buildImage } from "./docker-engine.js";
import { MKFS_EXT4, QEMU_IMG, requireHostTools, runHostTool, TAR, VAGRANT } from "./host-tools.js";
import { boxBuildImageName, NODE_BOX_PREFIX, nodeBoxName } from "./image-names.js";
import { recipeContext, recipeHash } from "./recipes.js";
import { unpackImage } from "./unpack-image.js";
import { addBox, libvirtBoxDir, listBoxes, removeBoxUnlessUsed, vagrantHome } from "./vagrant-boxes.js";

/** The recipes the box is made of: the node image's and its own. */
const BOX_RECIPES = ["node", "pause", "toolbox", "box"];

/** Options of a box build. */
export interface NodeBoxOptions {
  /** The engine that has (or builds) the node image and builds the box's image. */
  docker: Docker;
  /** Where the build's files go (the box's root filesystem, its disk); removed afterwards. */
  workDir: string;
  /** Progress lines. */
  onProgress?: (line: string) => void;
  /** Build the box again even when Vagrant has it (the node image is reused when it exists). */
  force?: boolean;
}

/** What a box build did. */
export interface NodeBoxReport {
  /** The box's name in Vagrant. */
  box: string;
  /** False when Vagrant had the box already. */
  built: boolean;
  durationMs: number;
  /** Bytes of the box's files in Vagrant's folder. */
  sizeBytes: number;
  /** The box's folder under Vagrant's home: .../boxes/<name, "/" as -VAGRANTSLASH->/0/libvirt. */
  boxDir: string;
}

/** The box name for the recipes as they are now. */
export async function currentNodeBox(): Promise<string> {
  return nodeBoxName(await recipeHash(BOX_RECIPES));
}

/** Makes sure Vagrant has the box of the current recipes; builds and adds it when missing. */
export async function ensureNodeBox(options: NodeBoxOptions): Promise<NodeBoxReport> {
  const started = Date.now();
  const { docker, onProgress } = options;
  const hash = await recipeHash(BOX_RECIPES);
  const box = nodeBoxName(hash);
  const existing = options.force ? undefined : await libvirtBoxDir(box);
  if (existing) return { box, built: false, durationMs: Date.now() - started, sizeBytes: await folderSize(existing), boxDir: existing };

  await requireHostTools([TAR, MKFS_EXT4, QEMU_IMG, VAGRANT], `build the box ${box}`);
  if (process.getuid?.() !== 0) {
    throw new UserError(`failed to build the box ${box}: its filesystem is made from the node image's files, and only root can keep their owners`, {
      hint: "run `sudo lab image build --box`; the box goes to the Vagrant home of the user running it (VAGRANT_HOME, default ~/.vagrant.d)",
    });
  }
  const nodeImage = await ensureNodeImage({ docker, workDir: options.workDir, onProgress });

  await mkdir(options.workDir, { recursive: true });
  const work = await mkdtemp(join(options.workDir, "box-"));
  const image = boxBuildImageName(hash);
  try {
    const files = join(work, "box");
    const rootfs = join(work, "rootfs");
    await mkdir(files);
    await mkdir(rootfs);

    const key = await generateSshKeyPair(`vagrant@${box}`);
    onProgress?.(`building ${image} from images/box on ${nodeImage.image}`);
    await buildImage(docker, {
      tag: image,
      files: { ...(await recipeContext("box")), authorized_keys: { content: Buffer.from(key.authorizedKey), mode: 0o600 } },
      buildargs: { NODE_IMAGE: nodeImage.image },
      what: "the box's image",
      onProgress,
    });
    onProgress?.(`unpacking the files of ${image}`);
    await unpackImage(docker, image, rootfs);
    await prepareBoxRootfs(rootfs, files);

    // The filesystem fills a sparse file of the disk's full size; qemu-img copies only the blocks
    // written, so the qcow2 disk is as big as the files in it.
    const raw = join(work, "root.img");
    onProgress?.(`making a ${BOX_DISK_GIB} GiB ext4 filesystem of the files`);
    await runHostTool(MKFS_EXT4, ["-q", "-L", "root", "-d", rootfs, raw, `${BOX_DISK_GIB}G`], { what: "make the box's filesystem" });
    await rm(rootfs, { recursive: true, force: true });
    onProgress?.("converting the disk to qcow2");
    await runHostTool(QEMU_IMG, ["convert", "-f", "raw", "-O", "qcow2", raw, join(files, BOX_FILES.disk)], { what: "convert the box's disk to qcow2" });
    await rm(raw, { force: true });

    await writeFile(join(files, BOX_FILES.metadata), `${JSON.stringify(boxMetadata())}\n`);
    await writeFile(join(files, BOX_FILES.vagrantfile), boxVagrantfile(box));
    await writeFile(join(files, BOX_FILES.privateKey), key.privateKeyPem, { mode: 0o600 });
    const boxFile = join(work, "node.box");
    await runHostTool(TAR, ["-cf", boxFile, "-C", files, ...Object.values(BOX_FILES)], { what: "pack the box" });
    onProgress?.(`adding the box ${box} to Vagrant (${vagrantHome()})`);
    await addBox(box, boxFile, onProgress);
  } finally {
    await rm(work, { recursive: true, force: true });
    await docker
      .getImage(image)
      .remove()
      .catch(() => undefined);
  }

  const boxDir = await libvirtBoxDir(box);
  if (!boxDir) {
    throw new UserError(`failed to find the box ${box} in ${vagrantHome()} after adding it`, {
      hint: "`vagrant box list` shows what Vagrant has; a VAGRANT_HOME that changed during the build would explain it",
    });
  }
  // Vagrant unpacks the box without its modes; ssh refuses a private key others can read.
  await chmod(join(boxDir, BOX_FILES.privateKey), 0o600);
  await pruneOldBoxes(box, onProgress);
  return { box, built: true, durationMs: Date.now() - started, sizeBytes: await folderSize(boxDir), boxDir };
}

/** Removes the boxes of earlier recipes, except those a Vagrant machine still uses. */
async function pruneOldBoxes(current: string, onProgress?: (line: string) => void): Promise<void> {
  for (const box of await listBoxes()) {
    if (!box.startsWith(NODE_BOX_PREFIX) || box === current) continue;
    onProgress?.((await removeBoxUnlessUsed(box)) ? `removed the older box ${box}` : `kept the older box ${box}: a Vagrant machine uses it`);
  }
}

/** Total size of the files in a folder (not below it). */
async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) if (entry.isFile()) total += (await stat(join(dir, entry.name))).size;
  return total;
}
