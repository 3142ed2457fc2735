/** Indentation of rows, shared by the plain printer and the Ink view so both line up the same. */

/**
 * Leading spaces of step rows, node rows and check rows, and the extra indentation of evidence
 * (errors, output, journal lines) under the row it belongs to.
 */
export const INDENT = { step: " ", task: "     ", check: "   ", evidence: "  " } as const;
