/**
 * The bytes that restore a session's screen on an attaching client, built once per change of the
 * screen rather than once per attach, and cheap to build when they must be.
 *
 * Cost, measured (10,000 lines of `seq`, 1000 lines of history asked for): the serialize addon
 * takes ~5–10 ms for the 1000 history lines, because it walks every cell through the public cell
 * API and diffs styles; the screen itself (24 rows) takes ~0.2 ms. So history lines are written
 * here directly when they are plain text (default colours and attributes, not part of a wrapped
 * line): `translateToString` of the line, ~0.7 µs each. Lines that are not plain go through the
 * addon, one range per run of them, so colours and wraps stay exact.
 *
 * Layout on the client: modes reset and the screen cleared; the history lines, followed by as
 * many line feeds as the screen has rows, which scrolls every one of them into the outer
 * terminal's own scrollback and leaves a blank screen; then the screen (drawn from the top left
 * by the addon, as a restore without history is), then the modes.
 */
import type { SerializeAddon } from "@xterm/addon-serialize";
import type { IBufferLine, Terminal } from "@xterm/headless";
import { CLEAR_SCREEN, LEAVE_ALT_SCREEN, RESET_MODES } from "../protocol/terminal.ts";

/** What xterm keeps per cell in a line: [content, fg, bg] as 32-bit words (internal). */
interface LineInternals {
  _line?: { _data?: Uint32Array };
}

/** Restores kept per screen version: the full history and a re-attach's few new lines, say. */
const MAX_KEPT = 4;

const encoder = new TextEncoder();

export class RestoreCache {
  /** Bumped by every change to the terminal (a write, a resize): a kept restore is good while it stays. */
  private version = 0;
  private keptAt = -1;
  private readonly kept = new Map<number, Uint8Array>();

  constructor(
    private readonly term: Terminal,
    private readonly serializer: SerializeAddon,
    /** The mode sequences the addon does not write (Screen.modes). */
    private readonly modes: () => string,
  ) {}

  /** The terminal changed: whatever was kept is stale. */
  changed(): void {
    this.version++;
  }

  /** How many restores are kept now (for tests). */
  get size(): number {
    return this.keptAt === this.version ? this.kept.size : 0;
  }

  /** The restore with `history` lines of scrollback, built now or kept from an earlier attach. */
  restore(history: number): Uint8Array {
    if (this.keptAt !== this.version) {
      this.kept.clear();
      this.keptAt = this.version;
    }
    const lines = Math.max(0, Math.min(history, this.term.buffer.normal.baseY));
    let bytes = this.kept.get(lines);
    if (!bytes) {
      bytes = encoder.encode(LEAVE_ALT_SCREEN + RESET_MODES + CLEAR_SCREEN + this.snapshot(lines));
      if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(lines, bytes);
    }
    return bytes;
  }

  /** The snapshot's text (without the reset and clear in front), for a blank terminal of this size. */
  snapshot(history: number): string {
    const screen = this.serializer.serialize({ scrollback: 0, excludeModes: true }) + this.modes();
    if (history <= 0) return screen;
    return this.history(history) + "\r\n".repeat(this.term.rows) + "\x1b[H" + screen;
  }

  /** The last `count` lines of the normal buffer's scrollback, separated by CR LF. */
  private history(count: number): string {
    const buf = this.term.buffer.normal;
    const end = buf.baseY; // first row of the screen
    const start = Math.max(0, end - count);
    const parts: string[] = [];
    let runStart = -1; // a run of lines that are not plain, waiting for the addon
    const flush = (upTo: number) => {
      if (runStart === -1) return;
      parts.push(this.serializer.serialize({ range: { start: runStart, end: upTo - 1 }, excludeAltBuffer: true, excludeModes: true }) + "\x1b[0m");
      runStart = -1;
    };
    let line = buf.getLine(start);
    for (let y = start; y < end; y++) {
      const next = buf.getLine(y + 1);
      if (line && !line.isWrapped && !next?.isWrapped && plain(line)) {
        flush(y);
        parts.push(line.translateToString(true));
      } else if (runStart === -1) {
        runStart = y;
      }
      line = next;
    }
    flush(end);
    return parts.join("\r\n");
  }
}

/** Default colours and attributes in every cell (fg and bg words zero), no combined characters. */
function plain(line: IBufferLine): boolean {
  const data = (line as unknown as LineInternals)._line?._data;
  if (!data) return false;
  for (let i = 0; i < data.length; i += 3) {
    // content: bit 21 marks a combined character (kept aside); fg/bg zero: default everything
    if ((data[i]! & 0x200000) !== 0 || data[i + 1] !== 0 || data[i + 2] !== 0) return false;
  }
  return true;
}
