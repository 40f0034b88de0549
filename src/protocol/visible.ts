/**
 * Text other people chose, about to be shown on a terminal: control characters are made visible,
 * as `less` and `git` do, so a message can never retitle a window, recolour the screen, move the
 * cursor or start a forged line. C0 controls and DEL in caret notation (ESC `^[`, BEL `^G`, CR
 * `^M`, DEL `^?`); C1 controls and Unicode line separators and bidi overrides as `<U+0085>`.
 * Shared: the CLI escapes what it prints, the daemon what it quotes in an error.
 */

/** Everything `visible` escapes; also what one-line fields (attachment names, meta) may not contain. */
export const CONTROL_RE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL_RE.source, "g");

function escape(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return "^?";
  return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
}

/** One line: every control character escaped, tabs and newlines too. */
export function visible(text: string): string {
  return text.replace(CONTROLS, escape);
}

/** A body: lines and tabs kept as they are, every other control character escaped. */
export function visibleLines(text: string): string {
  return text.replace(CONTROLS, (c) => (c === "\n" || c === "\t" ? c : escape(c)));
}
