/**
 * `lab images load NAME IMAGE|TARBALL... [--node NODE]`: images into a lab's nodes.
 */
import type { Command } from "commander";
import { labImagesLoad } from "../../lab/lab-images-load.js";
import { printResult, reported } from "../output.js";

/** Registers `lab images`. */
export function imagesCommand(program: Command): void {
  const images = program.command("images").description("images in a lab's nodes");
  images
    .command("load")
    .description("load images from the host's Docker engine, or saved tarballs, into a lab's nodes")
    .argument("<lab>", "the lab's name")
    .argument("<images...>", "image references the Docker engine has, or tarballs made by docker save")
    .option("--node <node>", "only this node (repeatable)", (v: string, prev: string[]) => [...prev, v], [])
    .action(async (lab: string, refs: string[], opts: { node: string[] }, cmd: Command) => {
      await reported(cmd, async (global) => {
        const r = await labImagesLoad(lab, refs, opts.node);
        printResult(global, r, () =>
          r.images.map((i) => `loaded ${i.name} (${(i.bytes / 1e6).toFixed(1)} MB) into ${r.nodes.join(", ")}`).concat(`(${(r.durationMs / 1000).toFixed(1)}s)`),
        );
      });
    });
}
