/**
 * `lab explain` as text: each step's purpose, then what it does node by node, the commands as a
 * person would type them (a wait as an `until` loop), each with what it is for. Pure.
 */
import type { ExplainedAction } from "../pipeline/explanation.js";
import type { ExplainedStep, LabExplanation } from "./lab-explain.js";

/** Wraps `text` at `width` columns, the first line indented by `indent`, the others by `rest`. */
function wrap(text: string, width: number, indent: string, rest = indent): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && (lines.length ? rest : indent).length + line.length + 1 + word.length > width) {
      lines.push((lines.length ? rest : indent) + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push((lines.length ? rest : indent) + line);
  return lines;
}

/** A command as typed: a wait becomes a loop that ends once it succeeds. */
function typed(action: ExplainedAction): string {
  const command = action.command ?? "";
  if (action.untilMs === undefined) return command;
  return command.includes("\n") ? `until ${command.replace(/\n/g, "; ")}; do sleep 1; done` : `until ${command}; do sleep 1; done`;
}

function actionLines(action: ExplainedAction, width: number): string[] {
  if (action.command === undefined) return wrap(`- ${action.note}`, width, "    ", "      ");
  const limit = action.untilMs !== undefined ? ` (at most ${Math.round(action.untilMs / 1000)} s)` : "";
  const commands = typed(action)
    .split("\n")
    .map((l, i) => `    ${i === 0 ? "$" : ">"} ${l}`);
  return [...wrap(`# ${action.note}${limit}`, width, "    ", "    # "), ...commands];
}

function stepLines(step: ExplainedStep, width: number, detailed: boolean): string[] {
  const alongside = step.alongside.length ? ` (runs alongside ${step.alongside.join(", ")})` : "";
  const lines = [`${step.id}: ${step.title}${alongside}`, ...wrap(step.what, width, "  ")];
  if (!detailed) return lines;
  let where: string | undefined | null = null;
  for (const action of step.actions) {
    if (action.node !== where) {
      where = action.node;
      lines.push("", where === undefined ? "  kubelab, on this machine:" : `  on ${where}:`);
    }
    lines.push(...actionLines(action, width));
  }
  return lines;
}

/** The explanation as text, `width` columns wide: every step in brief, or one step in full. */
export function explainText(explanation: LabExplanation, width: number, oneStep: boolean): string {
  const subnet = explanation.subnet === "assumed" ? ` (addresses on ${explanation.nodeSubnet}, the subnet lab up would pick first)` : "";
  const header = `lab ${explanation.lab}${subnet}`;
  const body = explanation.steps.flatMap((s) => [...stepLines(s, width, oneStep), ""]);
  const footer = oneStep ? [] : [`every command of a step: lab explain ${explanation.lab} STEP`, `stop before a step: lab up ${explanation.lab} --until STEP`];
  return `${[header, "", ...body, ...footer].join("\n").trimEnd()}\n`;
}
