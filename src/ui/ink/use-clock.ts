/** The clock of the live area: one timer for the whole view, running only while something runs. */

import { useEffect, useState } from "react";

/**
 * The time from `now`, read on every render; while `active`, the component also re-renders every
 * `intervalMs` so that elapsed times and spinners move between store updates.
 */
export function useClock(now: () => number, intervalMs: number, active: boolean): number {
  const [, setTicks] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setTicks((ticks) => ticks + 1), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return now();
}
