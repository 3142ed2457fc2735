/**
 * The list `lab up` offers when it is given no lab: the lab files, one per line with their
 * description, moved through with the arrow keys (or j/k), chosen with Enter, left with Esc, q or
 * Ctrl-C. Once chosen, only the choice stays on screen, and then `onSelect` is called.
 */

import { useEffect, useRef, useState, type ReactNode } from "react";
import { Box, Text, useInput } from "ink";
import { ColorContext, ColoredText } from "./colored-text.js";
import { TICK } from "../format.js";

/** A lab to choose. */
export interface LabChoice {
  name: string;
  description?: string;
}

/** Props of {@link LabPicker}. */
export interface LabPickerProps {
  /** At least one lab. */
  labs: readonly LabChoice[];
  color: boolean;
  onSelect: (name: string) => void;
  onCancel: () => void;
}

/** The pointer in front of the highlighted lab. */
export const POINTER = "❯";

/** Lets the user choose one of `labs`. */
export function LabPicker({ labs, color, onSelect, onCancel }: LabPickerProps): ReactNode {
  // The ref follows every key at once, so keys typed faster than React renders still add up.
  const index = useRef(0);
  const [highlighted, setHighlighted] = useState(0);
  const [chosen, setChosen] = useState<string>();
  const move = (by: number): void => {
    index.current = (index.current + by + labs.length) % labs.length;
    setHighlighted(index.current);
  };
  useInput(
    (input, key) => {
      if (key.upArrow || input === "k") move(-1);
      else if (key.downArrow || input === "j") move(1);
      else if (key.return) setChosen(labs[index.current]!.name);
      else if (key.escape || input === "q" || (key.ctrl && input === "c")) onCancel();
    },
    { isActive: chosen === undefined },
  );
  // Reported once the choice is on screen, so that it is the last frame left there.
  useEffect(() => {
    if (chosen !== undefined) onSelect(chosen);
  }, [chosen]);
  const width = Math.max(...labs.map((l) => l.name.length));
  return (
    <ColorContext.Provider value={color}>
      {chosen !== undefined ? (
        <Text>
          <ColoredText color="green">{TICK}</ColoredText> lab: <ColoredText bold>{chosen}</ColoredText>
        </Text>
      ) : (
        <Box flexDirection="column">
          <Text>
            <ColoredText bold>Which lab?</ColoredText> <ColoredText dim>(↑/↓ move, Enter brings it up, Esc cancels)</ColoredText>
          </Text>
          {labs.map((lab, i) => (
            <Text key={lab.name}>
              <ColoredText color="cyan" bold={i === highlighted}>
                {i === highlighted ? POINTER : " "} {lab.name.padEnd(width)}
              </ColoredText>
              {lab.description ? <ColoredText dim>{`  ${lab.description}`}</ColoredText> : null}
            </Text>
          ))}
        </Box>
      )}
    </ColorContext.Provider>
  );
}
