/** The zsh completion script `lab completion zsh` prints. */
import { shellLine } from "../../errors.js";

/**
 * A zsh completion function for `lab` that asks `command __complete -- WORDS...` for the
 * candidates of the word under the cursor, and completes file names when there are none. It works
 * sourced (after `compinit`) and as an autoloaded `_lab` in `$fpath`.
 */
export function zshCompletionScript(command: readonly string[]): string {
  return `#compdef lab
# zsh completion for lab (kubelab), made by \`lab completion zsh\`.
# Load it from ~/.zshrc, after compinit, with: source <(lab completion zsh)
# or save it as _lab in a folder of $fpath.
_lab() {
  local -a candidates
  candidates=("\${(@f)$(${shellLine(command)} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _lab "$@"
else
  compdef _lab lab
fi
`;
}
