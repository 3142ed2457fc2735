/**
 * The Docker engine as the doctor sees it: asked once (ping, info, version, networks, under one
 * deadline) and shared by the checks that need it; and the check that it answers and is recent
 * enough for systemd nodes.
 */
import Docker from "dockerode";
import { errorMessage } from "../errors.js";
import type { ProviderName } from "../config/lab-schema.js";
import { missingStatus, type DoctorCheck, type DoctorResult } from "./doctor-check.js";
import { withTimeout } from "./with-timeout.js";

/** The oldest engine kubelab supports (major, minor): nodes need a private cgroup namespace (API 1.41). */
export const MIN_DOCKER_VERSION = [20, 10] as const;

/** Whether a Docker version ("19.03.15", "20.10.24+dfsg1", "24.0.7") is older than the minimum; false when unreadable. */
function olderThanMinimum(version: string): boolean {
  const m = version.match(/^(\d+)\.(\d+)/);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major < MIN_DOCKER_VERSION[0] || (major === MIN_DOCKER_VERSION[0] && minor < MIN_DOCKER_VERSION[1]);
}

/** A Docker network and its IPv4 subnets. */
export interface EngineNetwork {
  name: string;
  subnets: string[];
}

/** What the engine said, or why it said nothing. */
export type EngineFacts =
  | {
      reachable: true;
      /** Where it was asked (DOCKER_HOST or the default socket). */
      host: string;
      version: string;
      apiVersion: string;
      /** "1" or "2", as the engine reports it. */
      cgroupVersion: string | undefined;
      /** "cgroupfs" or "systemd". */
      cgroupDriver: string | undefined;
      /** The engine's data root (images, volumes). */
      rootDir: string | undefined;
      networks: EngineNetwork[];
    }
  | { reachable: false; host: string; error: string };

/** Options of {@link engineFacts}. */
export interface EngineFactsOptions {
  /** The client (default: DOCKER_HOST or the default socket, each request dropped after `timeoutMs` of silence). */
  docker?: Docker;
  /** How long the engine may take for everything (default 5 s). */
  timeoutMs?: number;
}

/** Asks the engine everything the doctor needs, within the timeout. */
export async function engineFacts(options: EngineFactsOptions = {}): Promise<EngineFacts> {
  const timeoutMs = options.timeoutMs ?? 5000;
  // A request left hanging would keep the process alive after the doctor is done: drop it.
  const docker = options.docker ?? new Docker({ timeout: timeoutMs });
  const host = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
  try {
    const [info, version, networks] = await withTimeout(
      docker.ping().then(() => Promise.all([docker.info() as Promise<Record<string, unknown>>, docker.version(), docker.listNetworks()])),
      timeoutMs,
      "the Docker engine",
    );
    const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
    return {
      reachable: true,
      host,
      version: text(info.ServerVersion) ?? version.Version,
      apiVersion: version.ApiVersion,
      cgroupVersion: text(info.CgroupVersion),
      cgroupDriver: text(info.CgroupDriver),
      rootDir: text(info.DockerRootDir),
      networks: networks.map((n) => ({ name: n.Name, subnets: (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet && !c.Subnet.includes(":") ? [c.Subnet] : [])) })),
    };
  } catch (error) {
    return { reachable: false, host, error: errorMessage(error) };
  }
}

/** The verdict on an engine, for labs of provider `inUse`. */
export function engineVerdict(facts: EngineFacts, inUse: ProviderName): DoctorResult {
  if (!facts.reachable) {
    const denied = /EACCES|permission denied/i.test(facts.error);
    return {
      status: missingStatus("docker", inUse),
      detail: `no Docker engine answers at ${facts.host}: ${facts.error}${inUse === "docker" ? "" : " (container labs only)"}`,
      fix: denied
        ? "let your user reach the engine: sudo usermod -aG docker $USER, then log in again"
        : "start the engine: sudo systemctl start docker (where systemd is not PID 1: sudo dockerd &), or point DOCKER_HOST at one",
    };
  }
  if (olderThanMinimum(facts.version)) {
    return {
      status: missingStatus("docker", inUse),
      detail: `Docker ${facts.version} is older than 20.10: systemd nodes need a private cgroup namespace (API 1.41)`,
      fix: "upgrade the Docker engine to 20.10 or later",
    };
  }
  return { status: "ok", detail: `Docker ${facts.version} (API ${facts.apiVersion}) answers at ${facts.host}` };
}

/** The check that the engine answers and is recent enough. */
export function dockerEngineCheck(facts: () => Promise<EngineFacts>, inUse: ProviderName): DoctorCheck {
  return { id: "docker-engine", title: "Docker engine", run: async () => engineVerdict(await facts(), inUse) };
}
