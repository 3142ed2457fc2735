/** A clock hook for elapsed times in the live area. */

import { useEffect, useState } from "react";

/**
 * The time from `now`, read on every render; the component also re-renders every `intervalMs`
 * so that what it shows keeps ticking between store updates.
 */
export function useClock(now: () => number, intervalMs: number): number {
  const [, setTicks] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTicks((ticks) => ticks + 1), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now();
}
