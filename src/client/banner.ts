/**
 * The banner `maestro attach` draws when notices have waited past their bound (SPEC §7,
 * docs/cli.md "Notices"): one reverse-video line on the terminal's last row, drawn by this client
 * over the program's screen — nothing is typed into the program — and, where the outer terminal
 * is known to show them, a desktop notification. The daemon removes it by redrawing the screen
 * from its tracker (a `banner_clear` event, then a fresh screen).
 */
import type { DesktopNotify } from "../protocol/requests.ts";

const ESC = "\x1b";
const BEL = "\x07";

/** Only printable ASCII reaches the terminal: the daemon's text is kept to a safe set, and checked again here. */
export function printable(text: string, max: number): string {
  return text.replace(/[^\x20-\x7e]+/g, " ").slice(0, Math.max(0, max));
}

/**
 * The bytes that draw `text` on row `rows` of a `cols`-wide terminal and put the cursor and its
 * attributes back (DECSC/DECRC). One column is left free so the last cell never sets a pending wrap.
 */
export function drawBanner(text: string, cols: number, rows: number): string {
  const line = printable(text, cols - 1).padEnd(cols - 1);
  return `${ESC}7${ESC}[${rows};1H${ESC}[0m${ESC}[7m${line}${ESC}[0m${ESC}8`;
}

/**
 * Which desktop notification the outer terminal understands, from the setting and the
 * environment the client runs in: OSC 9 for iTerm2, WezTerm, ghostty, Windows Terminal and
 * kitty; OSC 777 for VTE terminals (GNOME Terminal, Tilix…), foot and urxvt; none otherwise, and
 * none inside tmux or screen (they would swallow or misplace it).
 */
export function desktopKind(setting: DesktopNotify, env: Record<string, string | undefined>): "osc9" | "osc777" | undefined {
  if (setting === "off") return undefined;
  if (setting !== "auto") return setting;
  if (env.TMUX || env.STY || (env.TERM ?? "").startsWith("screen") || (env.TERM ?? "").startsWith("tmux")) return undefined;
  const program = env.TERM_PROGRAM ?? "";
  const term = env.TERM ?? "";
  if (["iTerm.app", "WezTerm", "ghostty"].includes(program) || env.WT_SESSION || env.KITTY_WINDOW_ID || term === "xterm-kitty" || term === "xterm-ghostty") return "osc9";
  if (env.VTE_VERSION || term.startsWith("foot") || term.startsWith("rxvt")) return "osc777";
  return undefined;
}

export function desktopNotification(kind: "osc9" | "osc777", title: string, body: string): string {
  const t = printable(title, 64).replace(/;/g, ",");
  const b = printable(body, 200);
  return kind === "osc9" ? `${ESC}]9;${t}: ${b}${BEL}` : `${ESC}]777;notify;${t};${b}${BEL}`;
}

/**
 * Whether `bytes` end inside an escape sequence or a UTF-8 character: a banner drawn there would
 * land inside it. The next chunk usually completes it; the banner waits for a clean boundary.
 */
export function endsMidSequence(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  if (n === 0) return false;
  // A UTF-8 character cut short: a lead byte whose continuation bytes have not all come.
  for (let i = n - 1, k = 0; i >= 0 && k < 4; i--, k++) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (need > n - i) return true;
    break;
  }
  const from = Math.max(0, n - 256);
  const esc = bytes.lastIndexOf(0x1b, n - 1);
  if (esc < from) return false;
  const rest = Buffer.from(bytes.subarray(esc)).toString("latin1");
  if (rest.length === 1) return true;
  const kind = rest[1]!;
  if (kind === "[") return !/^\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]/.test(rest);
  if (kind === "]" || kind === "P" || kind === "_" || kind === "^") return !/\x07|\x1b\\/.test(rest.slice(2)) && !rest.endsWith("\x1b");
  if (kind === "\\") return false; // ST: the end of a string sequence
  if ("()*+#%".includes(kind)) return rest.length < 3;
  return false;
}
