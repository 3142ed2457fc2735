/**
 * Vagrant and its libvirt plugin, which VM labs (provider vagrant) need. Container labs do not:
 * without them only VM labs are unavailable.
 */
import type { ProviderName } from "../config/lab-schema.js";
import { missingStatus, type DoctorCheck } from "./doctor-check.js";
import { runTool, type ToolResult } from "./run-tool.js";

/** Vagrant without its update check (no network) and without colours. */
const VAGRANT_ENV = { VAGRANT_CHECKPOINT_DISABLE: "1", VAGRANT_NO_COLOR: "1" };

/** The version in `vagrant --version`'s output ("Vagrant 2.3.4"). */
export function parseVagrantVersion(stdout: string): string | undefined {
  return stdout.match(/^Vagrant (\S+)/m)?.[1];
}

/** A plugin's version in `vagrant plugin list`'s output ("vagrant-libvirt (0.11.2, system)"). */
export function parsePluginVersion(stdout: string, plugin: string): string | undefined {
  return stdout.match(new RegExp(`^${plugin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(([^,)]+)`, "m"))?.[1];
}

/** The checks of Vagrant and of the vagrant-libvirt plugin, for labs of provider `inUse`. */
export function vagrantChecks(inUse: ProviderName): DoctorCheck[] {
  const missing = missingStatus("vagrant", inUse);
  const forVms = inUse === "vagrant" ? "" : " (container labs are not affected)";
  let version: Promise<ToolResult> | undefined;
  const vagrantVersion = (): Promise<ToolResult> => (version ??= runTool(["vagrant", "--version"], 15_000, VAGRANT_ENV));
  return [
    {
      id: "vagrant",
      title: "Vagrant",
      run: async () => {
        const r = await vagrantVersion();
        if (r.outcome === "missing") {
          return {
            status: missing,
            detail: `vagrant is not installed (not on PATH): VM labs (provider vagrant) cannot run${forVms}`,
            fix: "install Vagrant: sudo apt-get install vagrant (Debian, Ubuntu), or see https://developer.hashicorp.com/vagrant/install",
          };
        }
        if (r.outcome === "failed") return { status: missing, detail: `vagrant does not work: ${r.message}`, fix: "reinstall Vagrant" };
        return { status: "ok", detail: `Vagrant ${parseVagrantVersion(r.stdout) ?? r.stdout}` };
      },
    },
    {
      id: "vagrant-libvirt",
      title: "vagrant-libvirt plugin",
      run: async () => {
        if ((await vagrantVersion()).outcome !== "ok") return { status: "skip", detail: "Vagrant is not usable (see Vagrant above)" };
        const r = await runTool(["vagrant", "plugin", "list"], 30_000, VAGRANT_ENV);
        if (r.outcome !== "ok") return { status: missing, detail: `could not list Vagrant's plugins: ${r.outcome === "failed" ? r.message : "vagrant vanished"}` };
        const plugin = parsePluginVersion(r.stdout, "vagrant-libvirt");
        if (plugin === undefined) {
          return {
            status: missing,
            detail: `the vagrant-libvirt plugin is not installed: Vagrant cannot make libvirt VMs${forVms}`,
            fix: "vagrant plugin install vagrant-libvirt (Debian, Ubuntu: sudo apt-get install vagrant-libvirt)",
          };
        }
        return { status: "ok", detail: `vagrant-libvirt ${plugin}` };
      },
    },
  ];
}
