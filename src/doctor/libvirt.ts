/**
 * libvirtd, which runs the VMs Vagrant defines: reachable at qemu:///system (the URI kubelab's
 * Vagrantfiles use) by the current user.
 */
import type { ProviderName } from "../config/lab-schema.js";
import { missingStatus, type DoctorCheck, type DoctorResult } from "./doctor-check.js";
import { runTool, type ToolResult } from "./run-tool.js";

/** The libvirt connection VM labs use. */
export const LIBVIRT_URI = "qemu:///system";

/** The verdict on `virsh -c qemu:///system uri`, for labs of provider `inUse`. */
export function libvirtVerdict(r: ToolResult, inUse: ProviderName): DoctorResult {
  const missing = missingStatus("vagrant", inUse);
  const forVms = inUse === "vagrant" ? "" : " (VM labs only)";
  if (r.outcome === "missing") {
    return {
      status: missing,
      detail: `virsh is not installed, so libvirt cannot be asked: VM labs need libvirt${forVms}`,
      fix: "sudo apt-get install libvirt-daemon-system libvirt-clients (Debian, Ubuntu)",
    };
  }
  if (r.outcome === "failed") {
    const denied = /permission denied|authentication/i.test(`${r.stderr}\n${r.message}`);
    return {
      status: missing,
      detail: `libvirtd does not answer at ${LIBVIRT_URI}: ${r.message}${forVms}`,
      fix: denied
        ? "let your user reach libvirtd: sudo usermod -aG libvirt $USER, then log in again"
        : "start libvirtd: sudo systemctl start libvirtd (where systemd is not PID 1: sudo /usr/sbin/virtlogd --daemon && sudo /usr/sbin/libvirtd --daemon)",
    };
  }
  return { status: "ok", detail: `libvirtd answers at ${LIBVIRT_URI}` };
}

/** The check that libvirtd answers. */
export function libvirtCheck(inUse: ProviderName): DoctorCheck {
  return {
    id: "libvirtd",
    title: "libvirtd",
    run: async () => libvirtVerdict(await runTool(["virsh", "-c", LIBVIRT_URI, "uri"], 10_000), inUse),
  };
}
