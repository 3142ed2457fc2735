/** One settled item of the run, as printed once above the live area. */

import type { ReactNode } from "react";
import { ColoredText } from "./colored-text.js";
import type { HistoryItem } from "./event-store.js";
import { FinishedStep } from "./finished-step.js";
import { RunSummary } from "./run-summary.js";

/** Props of {@link HistoryEntry}. */
export interface HistoryEntryProps {
  item: HistoryItem;
  verbose: boolean;
}

/** Renders a {@link HistoryItem}: the run header, a finished step, a log line, or the run's end. */
export function HistoryEntry({ item, verbose }: HistoryEntryProps): ReactNode {
  switch (item.kind) {
    case "run":
      return (
        <ColoredText bold>
          lab {item.run.lab}: {item.run.command} (provider: {item.run.provider})
        </ColoredText>
      );
    case "step":
      return <FinishedStep step={item.step} verbose={verbose} />;
    case "log": {
      const { level, node, message } = item.log;
      const text = node === undefined ? message : `${node}: ${message}`;
      if (level === "warn") return <ColoredText color="yellow">WARNING: {text}</ColoredText>;
      if (level === "debug") return <ColoredText dim>debug: {text}</ColoredText>;
      return <ColoredText>{text}</ColoredText>;
    }
    case "end":
      return <RunSummary end={item.end} checks={item.checks} diagnoses={item.diagnoses} verbose={verbose} />;
  }
}
