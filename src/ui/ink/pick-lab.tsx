/** Mounting {@link LabPicker} on the terminal until the user has chosen. */

import { render } from "ink";
import { LabPicker, type LabChoice } from "./lab-picker.js";

/** Options of {@link pickLab}. */
export interface PickLabOptions {
  /** A terminal (Ink puts it in raw mode while the list is shown). */
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  color: boolean;
}

/** Shows the list and resolves with the lab chosen, or undefined when the user cancelled. */
export async function pickLab(labs: readonly LabChoice[], options: PickLabOptions): Promise<string | undefined> {
  let chosen: string | undefined;
  const instance = render(
    <LabPicker
      labs={labs}
      color={options.color}
      onSelect={(name) => {
        chosen = name;
        instance.unmount();
      }}
      onCancel={() => instance.unmount()}
    />,
    { stdin: options.stdin, stdout: options.stdout, patchConsole: false, exitOnCtrlC: false },
  );
  await instance.waitUntilExit();
  return chosen;
}
