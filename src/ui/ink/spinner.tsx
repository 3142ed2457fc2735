/**
 * The spinner of running steps and nodes, drawn from the view's one clock rather than a timer of
 * its own: however many steps and nodes are running, the view redraws once per tick.
 */

import type { ReactNode } from "react";
import spinners from "cli-spinners";
import { ColoredText } from "./colored-text.js";

/** The spinner's frames and the time each shows for (cli-spinners' "dots"). */
const { frames, interval } = spinners.dots;

/** The spinner's frame at clock time `time` (ms). */
export function Spinner({ time }: { time: number }): ReactNode {
  return <ColoredText color="cyan">{frames[Math.floor(time / interval) % frames.length]}</ColoredText>;
}
