/**
 * Providers by name: the lab file and --provider only name providers this build has.
 */
import type { ProviderName } from "../config/lab-schema.js";
import type { Provider } from "./provider.js";

/** Providers this build can run. */
export const AVAILABLE_PROVIDERS: readonly ProviderName[] = ["docker", "vagrant"];

/**
 * The provider called `name`. Each provider's module loads when it is asked for: a Docker lab
 * does not load Vagrant's (and its process runner), which would add a tenth of a second to every
 * command.
 */
export async function createProvider(name: ProviderName): Promise<Provider> {
  switch (name) {
    case "docker":
      return new (await import("./docker/docker-provider.js")).DockerProvider();
    case "vagrant":
      return new (await import("./vagrant/vagrant-provider.js")).VagrantProvider();
  }
}

/**
 * The providers this host can reach now (each passed its preflight). Fails with the first
 * provider's error when none can be reached.
 */
export async function reachableProviders(): Promise<Provider[]> {
  const providers = await Promise.all(AVAILABLE_PROVIDERS.map(createProvider));
  const errors = await Promise.all(providers.map((p) => p.preflight().then(() => undefined, (error: unknown) => error)));
  const usable = providers.filter((_, i) => errors[i] === undefined);
  if (usable.length === 0) throw errors[0];
  return usable;
}
