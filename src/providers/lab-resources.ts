/**
 * What a provider holds, gathered lab by lab for {@link Provider.list}.
 */
import type { LabResources } from "./provider.js";

/** Gathers resources per lab; a lab asked for by name is listed even when it holds nothing. */
export class LabResourcesByLab {
  private readonly labs = new Map<string, LabResources>();

  constructor(
    private readonly provider: string,
    lab?: string,
  ) {
    if (lab) this.of(lab);
  }

  /** The entry of one lab, made on first use. */
  of(lab: string): LabResources {
    let r = this.labs.get(lab);
    if (!r) {
      r = { lab, provider: this.provider, nodes: [], networks: [], volumes: [] };
      this.labs.set(lab, r);
    }
    return r;
  }

  /** Every lab's resources, nodes sorted by name. */
  all(): LabResources[] {
    for (const r of this.labs.values()) r.nodes.sort((a, b) => a.name.localeCompare(b.name));
    return [...this.labs.values()];
  }
}
