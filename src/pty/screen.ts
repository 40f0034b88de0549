/**
 * The screen tracker: a headless xterm fed the session's output, so `attach` can redraw the
 * screen exactly and `peek` can read it. Parsing (~34 MB/s) is slower than relaying, so it never
 * runs per chunk: the session creates a tracker only when someone first needs the screen (building
 * it from the ring), then feeds it in bounded slices on a timer, and catches it up synchronously
 * whenever the screen is needed (attach, peek, a resize, a client that fell past the ring).
 * If the program outruns it by more than the ring holds, the tracker skips to the ring's start,
 * replaying the mode switches it skipped (see ModeMemo) so modes and alternate screen stay right.
 */
import { SerializeAddon } from "@xterm/addon-serialize";
import { Terminal, type IBufferCell } from "@xterm/headless";
import { RestoreCache } from "./restore.ts";
import type { Ring } from "./ring.ts";

/** The parts of xterm's core we read that its public API does not expose. */
interface XtermCore {
  _core?: {
    coreService?: { isCursorHidden?: boolean };
    coreMouseService?: { activeEncoding?: string };
    buffer?: { scrollTop: number; scrollBottom: number };
    writeSync?(data: Uint8Array | string): void;
  };
}

const MOUSE_MODE: Record<string, number> = { x10: 9, vt200: 1000, drag: 1002, any: 1003 };
const MOUSE_ENCODING: Record<string, number> = { UTF8: 1005, SGR: 1006, URXVT: 1015, SGR_PIXELS: 1016 };

export class Screen {
  readonly term: Terminal;
  private readonly serializer = new SerializeAddon();
  /** The attach restores, kept until the next write or resize. */
  readonly restores: RestoreCache;
  /** Offset (in the session's output) of the next byte to parse. */
  parsed = 0;
  /** Lines that have scrolled off the top of the normal screen so far: how much history is new. */
  scrolled = 0;

  constructor(cols: number, rows: number, scrollback: number) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: "off" });
    // The addon's types name the browser Terminal; the headless one has every member it uses.
    this.term.loadAddon(this.serializer as unknown as Parameters<Terminal["loadAddon"]>[0]);
    this.restores = new RestoreCache(this.term, this.serializer, () => this.modes());
    this.term.onScroll(() => {
      if (this.term.buffer.active.type === "normal") this.scrolled++;
    });
  }

  private get core(): NonNullable<XtermCore["_core"]> {
    return (this.term as unknown as XtermCore)._core ?? {};
  }

  /**
   * Parses up to `budget` bytes of what the ring holds past `parsed`; `skipped` holds the mode
   * switches of any bytes the ring dropped before they were parsed. Returns bytes parsed.
   */
  catchUp(ring: Ring, skipped: ModeMemo, budget = Infinity): number {
    if (this.parsed < ring.start) {
      // The ring dropped bytes we never parsed: replay their mode switches, then carry on.
      const replay = skipped.take();
      if (replay) this.write(replay);
      this.parsed = ring.start;
    }
    let done = 0;
    for (const chunk of ring.since(this.parsed)) {
      if (done >= budget) break;
      const piece = chunk.byteLength > budget - done ? chunk.subarray(0, budget - done) : chunk;
      this.write(piece);
      done += piece.byteLength;
    }
    this.parsed += done;
    return done;
  }

  behind(ring: Ring): number {
    return ring.end - Math.max(this.parsed, ring.start);
  }

  private write(data: Uint8Array | string): void {
    // writeSync parses now; write() would defer to a timer and the snapshot would lag.
    this.restores.changed();
    const core = this.core;
    if (core.writeSync) core.writeSync(data);
    else this.term.write(typeof data === "string" ? data : data.slice()); // queued: must not be a view into the ring
  }

  resize(cols: number, rows: number): void {
    if (cols === this.term.cols && rows === this.term.rows) return;
    this.restores.changed();
    this.term.resize(cols, rows);
  }

  /**
   * Bytes that redraw this screen on a blank terminal of the same size: `history` lines of
   * scrollback (which scroll into the outer terminal's own history), the screen, the alternate
   * screen if active, the cursor and the modes the program set. See restore.ts.
   */
  snapshot(history: number): string {
    return this.restores.snapshot(history);
  }

  /** The whole restore for an attaching client (modes reset, screen cleared, then the snapshot), encoded; kept until the screen changes. */
  restore(history: number): Uint8Array {
    return this.restores.restore(history);
  }

  /** The modes a program may have set, as the sequences that set them. */
  modes(): string {
    const m = this.term.modes;
    const core = this.core;
    let out = "";
    if (m.applicationCursorKeysMode) out += "\x1b[?1h";
    if (m.applicationKeypadMode) out += "\x1b=";
    if (m.bracketedPasteMode) out += "\x1b[?2004h";
    if (m.sendFocusMode) out += "\x1b[?1004h";
    if (m.insertMode) out += "\x1b[4h";
    if (!m.wraparoundMode) out += "\x1b[?7l";
    if (m.reverseWraparoundMode) out += "\x1b[?45h";
    const mouse = MOUSE_MODE[m.mouseTrackingMode];
    if (mouse) out += `\x1b[?${mouse}h`;
    const enc = MOUSE_ENCODING[core.coreMouseService?.activeEncoding ?? ""];
    if (enc) out += `\x1b[?${enc}h`;
    const buf = core.buffer;
    if (buf && (buf.scrollTop !== 0 || buf.scrollBottom !== this.term.rows - 1)) {
      // Setting a scroll region homes the cursor: put it back.
      const b = this.term.buffer.active;
      out += `\x1b[${buf.scrollTop + 1};${buf.scrollBottom + 1}r\x1b[${b.cursorY + 1};${b.cursorX + 1}H`;
    }
    if (core.coreService?.isCursorHidden) out += "\x1b[?25l";
    return out;
  }

  /** The active screen's text with `history` lines above it, trailing blanks trimmed. */
  text(history: number, ansi: boolean): string {
    const b = this.term.buffer.active;
    const top = Math.max(0, b.baseY - history);
    const lines: string[] = [];
    for (let y = top; y < b.baseY + this.term.rows; y++) {
      const line = b.getLine(y);
      if (!line) break;
      lines.push(ansi ? sgrLine(line, this.term.cols) : line.translateToString(true));
    }
    while (lines.length > 0 && lines.at(-1) === "") lines.pop();
    return lines.join("\n");
  }

  dispose(): void {
    this.term.dispose();
  }
}

/** One line with its colours and attributes as SGR sequences, reset at the end. */
function sgrLine(line: NonNullable<ReturnType<Terminal["buffer"]["active"]["getLine"]>>, cols: number): string {
  let out = "";
  let pen = "0";
  let end = cols;
  const cell = line.getCell(0);
  // Trailing default-styled blanks are not worth printing.
  while (end > 0) {
    const c = line.getCell(end - 1, cell);
    if (!c || c.getChars() !== "" || sgr(c) !== "0") break;
    end--;
  }
  for (let x = 0; x < end; x++) {
    const c = line.getCell(x, cell);
    if (!c || c.getWidth() === 0) continue;
    const want = sgr(c);
    if (want !== pen) {
      out += `\x1b[${want}m`;
      pen = want;
    }
    out += c.getChars() || " ";
  }
  return pen !== "0" ? `${out}\x1b[0m` : out;
}

function sgr(c: IBufferCell): string {
  const p = ["0"];
  if (c.isBold()) p.push("1");
  if (c.isDim()) p.push("2");
  if (c.isItalic()) p.push("3");
  if (c.isUnderline()) p.push("4");
  if (c.isBlink()) p.push("5");
  if (c.isInverse()) p.push("7");
  if (c.isInvisible()) p.push("8");
  if (c.isStrikethrough()) p.push("9");
  if (c.isFgPalette()) p.push(c.getFgColor() < 8 ? `${30 + c.getFgColor()}` : c.getFgColor() < 16 ? `${82 + c.getFgColor()}` : `38;5;${c.getFgColor()}`);
  else if (c.isFgRGB()) p.push(`38;2;${(c.getFgColor() >> 16) & 255};${(c.getFgColor() >> 8) & 255};${c.getFgColor() & 255}`);
  if (c.isBgPalette()) p.push(c.getBgColor() < 8 ? `${40 + c.getBgColor()}` : c.getBgColor() < 16 ? `${92 + c.getBgColor()}` : `48;5;${c.getBgColor()}`);
  else if (c.isBgRGB()) p.push(`48;2;${(c.getBgColor() >> 16) & 255};${(c.getBgColor() >> 8) & 255};${c.getBgColor() & 255}`);
  return p.join(";");
}

/**
 * Remembers the last setting of each private mode (`CSI ? n h/l`) and keypad mode (`ESC =`/`ESC >`)
 * seen in output the tracker had to skip. Scanning is a memchr for ESC, cheap next to parsing.
 */
export class ModeMemo {
  private readonly last = new Map<string, string>();

  scan(bytes: Uint8Array): void {
    if (bytes.indexOf(0x1b) === -1) return;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    for (const m of text.matchAll(/\x1b\[\?([\d;]+)([hl])|\x1b([=>])/g)) {
      if (m[3]) {
        this.last.set("keypad", `\x1b${m[3]}`);
        continue;
      }
      for (const n of m[1]!.split(";")) if (n) this.last.set(n, `\x1b[?${n}${m[2]}`);
    }
  }

  /** The remembered switches (alternate screen first, since it changes which buffer the rest affect); clears. */
  take(): string {
    const alt = ["1049", "1047", "47"].map((k) => this.last.get(k) ?? "").join("");
    let rest = "";
    for (const [k, v] of this.last) if (k !== "1049" && k !== "1047" && k !== "47") rest += v;
    this.last.clear();
    return alt + rest;
  }
}
