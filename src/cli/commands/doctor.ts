/**
 * `lab doctor [LAB]`: checks the host for labs (Docker, cgroups, inotify, memory, disk, subnets;
 * Vagrant, libvirt, KVM) and prints a fix for each problem. It never changes the host. Exit code 1
 * when any check fails.
 */
import type { Command } from "commander";
import { PROVIDERS, type ProviderName } from "../../config/lab-schema.js";
import { loadDoctorLab } from "../../doctor/doctor-lab.js";
import { countStatuses, doctorChecks, doctorExitCode, runDoctor, type DoctorReport } from "../../doctor/doctor.js";
import type { DoctorStatus } from "../../doctor/doctor-check.js";
import { UserError } from "../../errors.js";
import { createPalette, type Palette } from "../../ui/ansi.js";
import { CROSS, TICK, formatDuration } from "../../ui/format.js";
import { colorEnabled } from "../../ui/renderer.js";
import { reported } from "../output.js";

/** The mark of each status. */
const MARKS: Record<DoctorStatus, string> = { ok: TICK, warn: "!", fail: CROSS, skip: "-" };

/** The lines of one report: mark, title and detail, then the fix, indented. */
function reportLines(report: DoctorReport, palette: Palette): string[] {
  const paint = { ok: palette.green, warn: palette.yellow, fail: palette.red, skip: palette.dim }[report.status];
  const lines = [` ${paint(MARKS[report.status])} ${palette.bold(report.title)}: ${report.detail}`];
  const [first, ...rest] = report.fix?.split("\n") ?? [];
  if (first !== undefined) lines.push(`     fix: ${first}`, ...rest.map((l) => `          ${l}`));
  return lines;
}

/** Registers `lab doctor`. */
export function doctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("check this host for labs (Docker, cgroups, inotify, memory, disk, subnets, Vagrant, libvirt, KVM) and say how to fix what is wrong")
    .argument("[lab]", "a lab name or lab file: estimate what it needs, and judge missing tools by its provider")
    .option("--provider <name>", `judge for this provider instead of the lab file's (${PROVIDERS.join(", ")})`)
    .action(async (lab: string | undefined, opts: { provider?: string }, cmd: Command) => {
      await reported(cmd, async (global) => {
        if (opts.provider && !(PROVIDERS as readonly string[]).includes(opts.provider)) {
          throw new UserError(`failed to use --provider ${opts.provider}: unknown provider`, { hint: `choose one of ${PROVIDERS.join(", ")}`, exitCode: 2 });
        }
        const provider = opts.provider as ProviderName | undefined;
        const started = Date.now();
        const loaded = lab === undefined ? undefined : await loadDoctorLab(lab, provider);
        const checks = doctorChecks({ ...(loaded ? { lab: loaded } : {}), ...(provider ? { provider } : {}) });
        const palette = createPalette(!global.json && colorEnabled(process.env, process.stdout.isTTY));
        const reports: DoctorReport[] = [];
        for (const pending of runDoctor(checks)) {
          const report = await pending;
          reports.push(report);
          process.stdout.write(global.json ? `${JSON.stringify({ type: "doctor-check", ...report })}\n` : `${reportLines(report, palette).join("\n")}\n`);
        }
        const counts = countStatuses(reports);
        const exitCode = doctorExitCode(reports);
        const durationMs = Date.now() - started;
        if (global.json) process.stdout.write(`${JSON.stringify({ type: "doctor-end", ...counts, exitCode, durationMs })}\n`);
        else {
          const summary = `${counts.ok} ok, ${counts.warn} warning${counts.warn === 1 ? "" : "s"}, ${counts.fail} failed, ${counts.skip} skipped`;
          process.stdout.write(`doctor${loaded ? ` (lab ${loaded.name}, provider ${loaded.provider})` : ""}: ${summary} in ${formatDuration(durationMs)}\n`);
        }
        process.exitCode = exitCode;
      });
    });
}
