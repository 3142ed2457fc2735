/**
 * Providers by name: the lab file and --provider only name providers this build has.
 */
import type { ProviderName } from "../config/lab-schema.js";
import { DockerProvider } from "./docker/docker-provider.js";
import type { Provider } from "./provider.js";
import { VagrantProvider } from "./vagrant/vagrant-provider.js";

/** Providers this build can run. */
export const AVAILABLE_PROVIDERS: readonly ProviderName[] = ["docker", "vagrant"];

/** The provider called `name`. */
export function createProvider(name: ProviderName): Provider {
  switch (name) {
    case "docker":
      return new DockerProvider();
    case "vagrant":
      return new VagrantProvider();
  }
}

/**
 * The providers this host can reach now (each passed its preflight). Fails with the first
 * provider's error when none can be reached.
 */
export async function reachableProviders(): Promise<Provider[]> {
  const providers = AVAILABLE_PROVIDERS.map(createProvider);
  const errors = await Promise.all(providers.map((p) => p.preflight().then(() => undefined, (error: unknown) => error)));
  const usable = providers.filter((_, i) => errors[i] === undefined);
  if (usable.length === 0) throw errors[0];
  return usable;
}
