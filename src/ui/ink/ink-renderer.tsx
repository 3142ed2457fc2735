/** The Ink renderer: the live view on a terminal. */

import { render } from "ink";
import type { Renderer } from "../renderer.js";
import { createEventStore, type ViewState } from "./event-store.js";
import { LabView } from "./lab-view.js";

/** Options of {@link createInkRenderer}. */
export interface InkRendererOptions {
  /** A terminal (Ink reads its `columns` and `rows`, and listens for `resize`). */
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Where Ink writes stray stderr output (default `process.stderr`). */
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Show debug logs and the stacks of bugs. */
  verbose: boolean;
  /** Use colours. */
  color: boolean;
  /** Clock for elapsed times (default `Date.now`). */
  now?: () => number;
}

/**
 * Mounts {@link LabView} on `options.stdout` and feeds it through an event store. React applies
 * store updates asynchronously (in a microtask), so `close()` first waits until the view has
 * committed the store's latest state, then unmounts (which writes that final frame) and resolves
 * once stdout has taken it. It rejects if Ink stopped on an error of its own.
 */
export function createInkRenderer(options: InkRendererOptions): Renderer {
  const now = options.now ?? Date.now;
  const store = createEventStore(now);
  let committed: ViewState | undefined;
  let onLatestCommitted: (() => void) | undefined;
  const onCommit = (state: ViewState): void => {
    committed = state;
    if (state === store.getState()) onLatestCommitted?.();
  };
  // Ink types its streams as tty.WriteStream; it writes to them and reads `columns` and `rows`.
  const instance = render(
    <LabView store={store} verbose={options.verbose} color={options.color} now={now} onCommit={onCommit} />,
    {
      stdout: options.stdout as NodeJS.WriteStream,
      ...(options.stderr === undefined ? {} : { stderr: options.stderr as NodeJS.WriteStream }),
      patchConsole: false,
      exitOnCtrlC: false,
    },
  );
  const exited = instance.waitUntilExit();
  // Observed here so that an early Ink failure is not an unhandled rejection; close() reports it.
  exited.catch(() => undefined);
  return {
    sink: store.dispatch,
    async close() {
      if (committed !== store.getState()) {
        const latestCommitted = new Promise<void>((resolve) => {
          onLatestCommitted = resolve;
        });
        await Promise.race([latestCommitted, exited]);
      }
      instance.unmount();
      await exited;
    },
  };
}
