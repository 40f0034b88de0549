/**
 * Terminal sequences both ends need: what puts a terminal back to its defaults after a program
 * (seen through attach) changed its modes, and a cheap watch on whether the alternate screen is on.
 */

/**
 * Turns off every mode a program may have set (cursor keys, keypad, insert, bracketed paste,
 * focus, mouse tracking and encodings), resets colours, shows the cursor and clears the scroll
 * region without moving the cursor (save/restore around it).
 */
export const RESET_MODES =
  "\x1b[?1l\x1b>\x1b[4l\x1b[?7h\x1b[?45l\x1b[?2004l\x1b[?1004l" +
  "\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1016l" +
  "\x1b[0m\x1b[?25h\x1b7\x1b[r\x1b8";

/** Home and clear the screen (not the scrollback). */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J";

/** Leaves the alternate screen, restoring the cursor saved on entry. */
export const LEAVE_ALT_SCREEN = "\x1b[?1049l";

/**
 * Follows `CSI ? 1049/1047/47 h|l` in a byte stream to know whether the alternate screen is on.
 * Chunks without ESC (most bulk output) cost one memchr.
 */
export class AltScreenWatch {
  active = false;

  feed(bytes: Uint8Array): void {
    if (bytes.indexOf(0x1b) === -1) return;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    for (const m of text.matchAll(/\x1b\[\?(?:1049|1047|47)([hl])/g)) this.active = m[1] === "h";
  }
}
