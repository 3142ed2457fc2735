/**
 * `lab graph NAME|FILE`: a lab's topology, drawn in the terminal, as Mermaid text (`--mermaid`) or
 * as JSON (`--json`).
 */
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { mermaidGraph } from "../../graph/mermaid.js";
import { drawGraph } from "../../graph/terminal-drawing.js";
import { graphLab } from "../../lab/graph-lab.js";
import { createPalette } from "../../ui/ansi.js";
import { colorEnabled } from "../../ui/renderer.js";
import { reported } from "../output.js";

/** Width drawn for when stdout is not a terminal. */
const DEFAULT_COLUMNS = 80;

/** Registers `lab graph`. */
export function graphCommand(program: Command): void {
  program
    .command("graph")
    .description("show a lab's topology: nodes, addresses, pod subnets, networks, etcd, load balancer")
    .argument("<lab>", "a lab's name, or a path to a lab file")
    .option("--mermaid", "print a Mermaid flowchart instead of the drawing")
    .action(async (lab: string, opts: { mermaid?: boolean }, cmd: Command) => {
      await reported(cmd, async (global) => {
        if (opts.mermaid && global.json) {
          throw new UserError("failed to show the graph: --mermaid and --json cannot be used together", {
            hint: "use --mermaid for the Mermaid text, or --json for the graph's data",
            exitCode: 2,
          });
        }
        const graph = await graphLab(lab);
        if (global.json) process.stdout.write(`${JSON.stringify(graph)}\n`);
        else if (opts.mermaid) process.stdout.write(mermaidGraph(graph));
        else {
          const { stdout } = process;
          const style = createPalette(colorEnabled(process.env, stdout.isTTY));
          process.stdout.write(drawGraph(graph, { width: stdout.isTTY ? stdout.columns || DEFAULT_COLUMNS : DEFAULT_COLUMNS, style }));
        }
      });
    });
}
