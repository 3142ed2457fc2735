/**
 * Providers by name. An unknown or unavailable one is a user error listing what there is.
 */
import type { ProviderName } from "../config/lab-schema.js";
import { UserError } from "../errors.js";
import { DockerProvider } from "./docker/docker-provider.js";
import type { Provider } from "./provider.js";

/** Providers this build can run. */
export const AVAILABLE_PROVIDERS: readonly ProviderName[] = ["docker"];

/** The provider called `name`. */
export function createProvider(name: ProviderName): Provider {
  switch (name) {
    case "docker":
      return new DockerProvider();
    default:
      throw new UserError(`failed to use provider ${name}: it is not available in this version of kubelab`, {
        hint: `available providers: ${AVAILABLE_PROVIDERS.join(", ")}`,
        exitCode: 2,
      });
  }
}
