/**
 * The attach restore (src/pty/restore.ts): built once per change of the screen, and exact — the
 * screen and modes as the program left them, and the history lines, plain or not, in the outer
 * terminal's scrollback with their colours and wraps. A real headless xterm on both sides.
 */
import type { Terminal } from "@xterm/headless";
import { describe, expect, test } from "vitest";
import { Ring } from "../src/pty/ring.ts";
import { ModeMemo, Screen } from "../src/pty/screen.ts";
import { diffTerminals, render } from "./tty.ts";

const ESC = "\x1b";
const enc = new TextEncoder();

/** A tracker fed `text` (with the PTY's CR LF), and the ring it read it from. */
function tracked(text: string, cols = 80, rows = 24): { screen: Screen; ring: Ring; feed(more: string): void } {
  const ring = new Ring(1 << 20);
  const screen = new Screen(cols, rows, 10_000);
  const feed = (more: string) => {
    ring.push(enc.encode(more.replace(/\n/g, "\r\n")), () => {});
    screen.catchUp(ring, new ModeMemo());
  };
  feed(text);
  return { screen, ring, feed };
}

/** Every line of a buffer (scrollback and screen) as cells with their style, and its wrap flag. */
function lines(t: Terminal, from: number, to: number): string[] {
  const b = t.buffer.normal;
  const cell = b.getNullCell();
  const out: string[] = [];
  for (let y = from; y < to; y++) {
    const line = b.getLine(y);
    if (!line) break;
    let s = line.isWrapped ? "↩" : "";
    for (let x = 0; x < t.cols; x++) {
      const c = line.getCell(x, cell)!;
      if (c.getWidth() === 0) continue;
      s += `${c.getChars() || " "}${c.getFgColorMode()}.${c.getFgColor()}.${c.getBgColorMode()}.${c.getBgColor()}.${+c.isBold()}${+c.isUnderline()}${+c.isInverse()}|`;
    }
    out.push(s.replace(/( 0\.-1\.0\.-1\.000\|)+$/, ""));
  }
  return out;
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe("the attach restore", () => {
  test("history (plain, coloured, wrapped, wide) lands in the outer scrollback exactly, and the screen after it", async () => {
    let s = "";
    for (let i = 1; i <= 300; i++) {
      if (i % 7 === 0) s += `${ESC}[3${i % 8}mcoloured ${i}${ESC}[0m tail\n`;
      else if (i % 11 === 0) s += `wrapped ${i} ${"w".repeat(150)}\n`;
      else if (i % 13 === 0) s += `wide ${i} 漢字\n`;
      else if (i % 17 === 0) s += `${ESC}[44m${" ".repeat(10)}${ESC}[0m bg ${i}\n`;
      else s += `plain ${i}\n`;
    }
    s += `${ESC}[1mlast screen${ESC}[0m\n${ESC}[?2004h${ESC}[5;3Hcursor here`;
    const { screen } = tracked(s);
    const history = 200;
    const got = await render(decode(screen.restore(history)), 80, 24);
    const want = await render(s.replace(/\n/g, "\r\n"), 80, 24);
    expect(diffTerminals(got, want)).toEqual([]);
    // The last `history` lines above the screen, line for line (the restore starts with a blank
    // outer terminal, so its scrollback holds exactly those).
    const wb = want.buffer.normal;
    const gb = got.buffer.normal;
    expect(gb.baseY).toBe(history);
    const expected = lines(want, wb.baseY - history, wb.baseY);
    // History that starts inside a wrapped line starts a line of its own there.
    expected[0] = expected[0]!.replace(/^↩/, "");
    expect(lines(got, 0, gb.baseY)).toEqual(expected);
  });

  test("is kept while nothing changes, and rebuilt after output or a resize", async () => {
    const { screen, feed } = tracked("one\ntwo\n");
    const first = screen.restore(1000);
    expect(screen.restore(1000)).toBe(first); // the same bytes: not serialised again
    expect(screen.restores.size).toBe(1);
    feed("three\n");
    const after = screen.restore(1000);
    expect(after).not.toBe(first);
    expect(decode(after)).toContain("three");
    expect(decode(first)).not.toContain("three");
    screen.resize(40, 10);
    const resized = screen.restore(1000);
    expect(resized).not.toBe(after);
    const t = await render(decode(resized), 40, 10);
    expect(t.buffer.active.getLine(2)?.translateToString(true)).toBe("three");
  });

  test("different history lengths are kept side by side, and a request beyond the scrollback is the whole of it", () => {
    let s = "";
    for (let i = 1; i <= 100; i++) s += `line ${i}\n`;
    const { screen } = tracked(s);
    const all = screen.restore(1000);
    const few = screen.restore(3);
    expect(few).not.toBe(all);
    expect(screen.restore(1000)).toBe(all);
    expect(screen.restore(77)).toBe(all); // 77 lines have scrolled off: 77 or more is all of them
    expect(decode(few)).toContain("line 75");
    expect(decode(few)).not.toContain("line 74\r");
    expect(screen.restore(0).byteLength).toBeLessThan(few.byteLength);
  });

  test("with the alternate screen on, the history is the normal screen's and the alternate screen is drawn over it", async () => {
    let s = "";
    for (let i = 1; i <= 60; i++) s += `${ESC}[32mnormal ${i}${ESC}[0m\n`;
    s += `${ESC}[?1049h${ESC}[H${ESC}[2J${ESC}[3;3Halt screen${ESC}[?1000h`;
    const { screen } = tracked(s);
    const got = await render(decode(screen.restore(50)), 80, 24);
    const want = await render(s.replace(/\n/g, "\r\n"), 80, 24);
    expect(diffTerminals(got, want)).toEqual([]);
    const wb = want.buffer.normal;
    expect(lines(got, 0, got.buffer.normal.baseY)).toEqual(lines(want, wb.baseY - 37, wb.baseY));
  });
});
