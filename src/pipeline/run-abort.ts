/**
 * The abort controller of a run. Every command in flight listens to its signal, and a run has
 * many at once, so the listener limit (a leak detector for ordinary emitters) is lifted.
 */
import { setMaxListeners } from "node:events";

/** A controller whose signal can carry any number of listeners. */
export function runAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
