/** The bash completion script `lab completion bash` prints. */
import { shellLine } from "../../errors.js";

/**
 * A bash completion function for `lab` that asks `command __complete -- WORDS...` for the
 * candidates of the word under the cursor; when there are none, bash completes file names (a lab
 * file's path, a tarball, a folder). `command` is how to run this very CLI (node and its script),
 * so that it works wherever `lab` is not on the PATH (npx).
 */
export function bashCompletionScript(command: readonly string[]): string {
  return `# bash completion for lab (kubelab), made by \`lab completion bash\`.
# Load it from ~/.bashrc with: source <(lab completion bash)
_lab_completion() {
  local IFS=$'\\n'
  COMPREPLY=($(${shellLine(command)} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _lab_completion lab
`;
}
