/**
 * What every command working on a lab shares: its plan, provider, state paths and event sink.
 */
import type { LabPaths } from "../lab-paths.js";
import type { Plan } from "../plan/plan.js";
import type { Provider } from "../providers/provider.js";
import type { EventSink } from "./events.js";

/** A lab as commands see it. */
export interface LabContext {
  readonly plan: Plan;
  readonly provider: Provider;
  readonly paths: LabPaths;
  readonly emit: EventSink;
  readonly signal: AbortSignal;
}
