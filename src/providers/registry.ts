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
