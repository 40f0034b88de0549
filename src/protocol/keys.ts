/**
 * Named keys as a terminal sends them (xterm, normal cursor mode). `type --key` turns names into
 * bytes on the daemon side; `attach` parses its detach key with the same rules.
 */
import { MaestroError } from "./errors.ts";

const NAMED: Record<string, string> = {
  enter: "\r",
  return: "\r",
  tab: "\t",
  "s-tab": "\x1b[Z",
  "btab": "\x1b[Z",
  escape: "\x1b",
  esc: "\x1b",
  space: " ",
  bspace: "\x7f",
  backspace: "\x7f",
  up: "\x1b[A",
  down: "\x1b[B",
  right: "\x1b[C",
  left: "\x1b[D",
  home: "\x1b[H",
  end: "\x1b[F",
  pageup: "\x1b[5~",
  ppage: "\x1b[5~",
  pagedown: "\x1b[6~",
  npage: "\x1b[6~",
  insert: "\x1b[2~",
  ic: "\x1b[2~",
  delete: "\x1b[3~",
  dc: "\x1b[3~",
  f1: "\x1bOP",
  f2: "\x1bOQ",
  f3: "\x1bOR",
  f4: "\x1bOS",
  f5: "\x1b[15~",
  f6: "\x1b[17~",
  f7: "\x1b[18~",
  f8: "\x1b[19~",
  f9: "\x1b[20~",
  f10: "\x1b[21~",
  f11: "\x1b[23~",
  f12: "\x1b[24~",
};

/**
 * With application cursor keys on (DECCKM, `ESC[?1h`), a terminal sends these as SS3 (`ESC O x`)
 * rather than CSI; full-screen programs (vim, less, readline in some setups) bind only those.
 */
const APP_CURSOR: Record<string, string> = {
  up: "\x1bOA",
  down: "\x1bOB",
  right: "\x1bOC",
  left: "\x1bOD",
  home: "\x1bOH",
  end: "\x1bOF",
};

export interface KeyModes {
  /** The program turned on application cursor keys. */
  appCursor?: boolean;
}

/** The control byte for Ctrl+`ch` (`C-c` → 0x03, `C-\` → 0x1c, `C-?` → DEL), or undefined. */
function ctrl(ch: string): string | undefined {
  if (ch === "?") return "\x7f";
  const c = ch.toUpperCase().charCodeAt(0);
  return ch.length === 1 && c >= 0x40 && c <= 0x5f ? String.fromCharCode(c - 0x40) : undefined;
}

/**
 * `C-c`, `Ctrl-c`, `^C`, `M-x` (Escape then x), `Enter`, `Up`, `F5`, … → the bytes, as a string.
 * Throws a usage error naming the key otherwise.
 */
export function keyBytes(name: string, modes: KeyModes = {}): string {
  const lower = name.toLowerCase();
  if (modes.appCursor && Object.hasOwn(APP_CURSOR, lower)) return APP_CURSOR[lower]!;
  if (Object.hasOwn(NAMED, lower)) return NAMED[lower]!;
  const c = /^(?:c|ctrl)-(.)$/i.exec(name) ?? /^\^(.)$/.exec(name);
  if (c) {
    const b = ctrl(c[1]!);
    if (b !== undefined) return b;
  }
  const m = /^(?:m|meta|alt)-(.+)$/i.exec(name);
  if (m) return `\x1b${m[1]!.length === 1 ? m[1] : keyBytes(m[1]!, modes)}`;
  throw new MaestroError("usage", `unknown key "${name}": use names like Enter, Tab, Escape, Up, F5, C-c, M-x`);
}

/** A detach key is one control byte, or `none` (returns undefined). */
export function parseDetachKey(spec: string): number | undefined {
  if (spec.toLowerCase() === "none") return undefined;
  let bytes: string | undefined;
  try {
    bytes = keyBytes(spec);
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined || bytes.length !== 1 || bytes.charCodeAt(0) >= 0x20 && bytes.charCodeAt(0) !== 0x7f) {
    throw new MaestroError("usage", `invalid detach key "${spec}": use a control key such as C-\\ or C-a, or none`);
  }
  return bytes.charCodeAt(0);
}
