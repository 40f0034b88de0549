import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BIN, TestHome, waitFor } from "./helpers.ts";
import { diffTerminals, render, Tty, ttysFor } from "./tty.ts";

const h = new TestHome();
afterAll(() => h.cleanup());
const tty = ttysFor(h);

const ESC = "\x1b";
/** History with colours, modes a TUI sets, then an alternate screen with attributes, colours and wide characters. */
function drawing(): string {
  let s = "";
  for (let i = 1; i <= 60; i++) s += `${ESC}[3${i % 8}mhistory line ${i}${ESC}[0m ${"x".repeat(i % 50)}\n`;
  s += `${ESC}[1;4mbold underline${ESC}[0m ${ESC}[38;5;208morange${ESC}[0m ${ESC}[48;2;10;20;30mrgb bg${ESC}[0m\n`;
  s += `${ESC}[?2004h${ESC}[?1h${ESC}=${ESC}[?1002h${ESC}[?1006h`;
  s += `${ESC}[?1049h${ESC}[H${ESC}[2J`;
  s += `${ESC}[3;5H${ESC}[7minverse${ESC}[0m ${ESC}[3mitalic${ESC}[0m ${ESC}[9mstrike${ESC}[0m 漢字 wide`;
  s += `${ESC}[10;1H${ESC}[42m${" ".repeat(30)}${ESC}[0m`;
  s += `${ESC}[20;70H${ESC}[1;35mend${ESC}[0m${ESC}[12;40H`;
  return s;
}

/** What the PTY delivers: its line discipline turns \n into \r\n. */
const onlcr = (s: string) => s.replace(/\n/g, "\r\n");

describe("attach", () => {
  test("restores the screen exactly: contents, colours, cursor, alternate screen, modes; history into scrollback", async () => {
    const file = join(h.home, "draw.txt");
    writeFileSync(file, drawing());
    await h.ok(["new", "w", "--", "sh", "-c", `cat ${file}; exec sleep 1000`]);
    await h.ok(["wait", "w", "--match", "end", "--timeout", "10s"]);
    const t = tty(["attach", "w"]);
    await t.waitScreen(/end/);
    await t.settle();
    const want = await render(onlcr(drawing()), 80, 24);
    expect(diffTerminals(t.term, want)).toEqual([]);
    // the history went into the outer terminal's own scrollback
    expect(t.allText()).toContain("history line 1 ");
    expect(t.allText()).toContain("history line 60");
  });

  test("restore is exact after heavy output, with modes set before it that the tracker had to skip", async () => {
    const file = join(h.home, "draw2.txt");
    const draw = `${ESC}[H${ESC}[2J${ESC}[?1049h${ESC}[H${ESC}[2J${ESC}[5;5H${ESC}[1;31mafter the flood${ESC}[0m${ESC}[8;1H`;
    writeFileSync(file, draw);
    // 24 MB of coloured lines, well past the 2 MiB ring, with bracketed paste switched on halfway.
    const lines = `yes '\\033[32mgreen\\033[0m flood line with some text' | head -c 12000000`;
    const flood = `${lines}; printf '\\033[?2004h'; ${lines}; cat ${file}; exec sleep 1000`;
    await h.ok(["new", "w", "--", "sh", "-c", flood]);
    await h.ok(["wait", "w", "--match", "after the flood", "--timeout", "30s"]);
    const t = tty(["attach", "w"]);
    await t.waitScreen(/after the flood/);
    await t.settle();
    const want = await render(onlcr(`${ESC}[?2004h${draw}`), 80, 24);
    const diffs = diffTerminals(t.term, want).filter((d) => !d.startsWith("normal "));
    expect(diffs).toEqual([]);
  });

  test("Ctrl-\\ detaches (exit 0) and leaves the terminal as it was; re-attaching never duplicates", async () => {
    await h.ok(["new", "w", "--", "sh", "-c", `printf '\\033[?2004h\\033[?1000h\\033[?1049h'; exec cat`]);
    const t = tty(["attach", "w"]);
    await t.settle();
    t.type("mark$((1+1))\r");
    await t.waitScreen(/mark\$\(\(1\+1\)\)/);
    expect(t.term.modes.bracketedPasteMode).toBe(true);
    expect(t.term.buffer.active.type).toBe("alternate");
    t.type("\x1c");
    expect(await t.exit()).toBe(0);
    expect(t.term.buffer.active.type).toBe("normal");
    expect(t.term.modes.bracketedPasteMode).toBe(false);
    expect(t.term.modes.mouseTrackingMode).toBe("none");
    expect(t.screen().join("\n")).toContain("[detached from w]");
    const again = tty(["attach", "w"]);
    await again.waitScreen(/mark/);
    await again.settle();
    const audit = JSON.parse(await h.ok(["audit", "--json", "--limit", "5"])) as { action: string; target: string }[];
    expect(audit.filter((e) => e.target === "w").map((e) => e.action).slice(0, 3)).toEqual(["session.attach", "session.detach", "session.attach"]);
    const seen = again.screen().join("\n").match(/mark\$\(\(1\+1\)\)/g) ?? [];
    expect(seen).toHaveLength(2); // the echo of the typed line and cat's copy: once each
    again.type("\x1c");
    expect(await again.exit()).toBe(0);
  });

  test("the outer terminal's settings are restored exactly, and output is not post-processed (bare LF stays LF)", async () => {
    await h.ok(["new", "w", "--", "sh", "-c", "stty -opost; read x; printf 'ab\\ncd'; exec cat"]);
    const before = join(h.home, "stty-before");
    const after = join(h.home, "stty-after");
    const shell = new Tty(h, [], 80, 24, {}, ["sh", "-c", `stty -g > ${before}; ${BIN} attach w; stty -g > ${after}`]);
    tty.adopt(shell);
    await shell.settle();
    shell.type("\r");
    await shell.waitScreen(/cd/);
    // the program turned off its own output processing: "\n" moves down without a carriage return
    const rows = shell.screen();
    const ab = rows.indexOf("ab");
    expect(ab).toBeGreaterThanOrEqual(0);
    expect(rows[ab + 1]).toBe("  cd");
    shell.type("\x1c");
    await waitFor(() => existsSync(after) && readFileSync(after, "utf8").endsWith("\n"));
    expect(readFileSync(after, "utf8")).toBe(readFileSync(before, "utf8"));
  });

  test("re-attaching from the same terminal puts only the new history into its scrollback", async () => {
    await h.ok(["new", "w", "--", "sh", "-c", "seq 1 100; exec cat"]);
    await h.ok(["wait", "w", "--match", "^100$", "--timeout", "5s"]);
    const shell = new Tty(h, [], 80, 24, {}, ["sh", "-c", `${BIN} attach w; read x; ${BIN} attach w`]);
    tty.adopt(shell);
    await shell.waitScreen(/^100$/m);
    shell.type("\x1c");
    await shell.waitScreen(/\[detached from w\]/);
    for (const line of ["new-1", "new-2", "new-3"]) await h.ok(["type", "w", line, "--enter"]);
    await h.ok(["wait", "w", "--match", "^new-3$", "--timeout", "5s"]);
    shell.type("\r");
    await shell.waitScreen(/new-3\s+new-3/);
    await shell.settle();
    const lines = shell.allText().split("\n");
    const count = (l: string) => lines.filter((x) => x === l).length;
    expect(count("37")).toBe(1); // old history: printed by the first attach only
    // 78–83 scrolled off the session's screen after the detach, so the second attach prints them.
    // (78–80 had already scrolled off the outer screen too, pushed by the detach line and the
    // shell's newline, which the daemon cannot see: those three repeat.)
    expect(count("83")).toBe(1);
    expect(count("new-1")).toBe(2); // cat's echo and its copy
    shell.type("\x1c");
    await waitFor(() => shell.code !== undefined);
    // Another terminal (even one given the same /dev/pts number) is new: it gets the full history.
    const other = tty(["attach", "w"]);
    await other.waitScreen(/new-3\s+new-3/);
    await other.settle();
    expect(other.allText().split("\n")).toContain("37");
    other.type("\x1c");
  });

  test("--detach-key changes the key; a bad one is a usage error", async () => {
    await h.ok(["new", "w", "--", "cat"]);
    const bad = tty(["attach", "w", "--detach-key", "hello"]);
    expect(await bad.exit()).toBe(2);
    expect(bad.screen().join("\n")).toMatch(/invalid detach key "hello"/);
    const t = tty(["attach", "w", "--detach-key", "C-a"]);
    await t.settle();
    t.type("\x1c"); // Ctrl-\ is now just a key: cat gets it (and, cooked, it is SIGQUIT)
    t.type("\x01");
    expect(await t.exit()).toBe(0);
  });

  test("when the program exits, attached clients see its last screen and a line naming the exit code", async () => {
    await h.ok(["new", "w", "--", "sh", "-c", "read x; echo last words $x; exit 3"]);
    const t = tty(["attach", "w"]);
    await t.settle();
    t.type("now\r");
    expect(await t.exit()).toBe(0);
    const screen = t.screen().join("\n");
    expect(screen).toContain("last words now");
    expect(screen).toContain("[w exited with code 3]");
    const ls = JSON.parse(await h.ok(["ls", "--json"]));
    expect(ls[0]).toMatchObject({ name: "w", state: "exited", exit_code: 3 });
    // attaching to the exited session shows the final screen and the same line
    const late = tty(["attach", "w"]);
    expect(await late.exit()).toBe(0);
    expect(late.screen().join("\n")).toContain("last words now");
    expect(late.screen().join("\n")).toContain("[w exited with code 3]");
  });

  test("many clients: read-only ones neither type nor resize; the size is the smallest writable client's", async () => {
    await h.ok(["new", "w", "--", "cat"]);
    const a = tty(["attach", "w"], 100, 30);
    const ro = tty(["attach", "w", "--read-only"], 60, 10);
    const b = tty(["attach", "w"], 90, 20);
    await a.settle();
    await ro.settle();
    await b.settle();
    const size = async () => JSON.parse(await h.ok(["ls", "--json"]))[0] as { cols: number; rows: number; clients: number };
    expect((await size()).clients).toBe(3);
    ro.type("from-readonly\r");
    b.type("from-b\r");
    await a.waitScreen(/from-b\s+from-b/);
    expect(await size()).toMatchObject({ cols: 90, rows: 20 });
    a.type("from-a\r");
    await ro.waitScreen(/from-a/);
    expect(await size()).toMatchObject({ cols: 90, rows: 20 });
    expect(a.screen().join("\n")).not.toContain("from-readonly");
    for (const t of [a, ro, b]) t.type("\x1c");
    for (const t of [a, ro, b]) expect(await t.exit()).toBe(0);
  });

  test("a window resize reaches the session (the client's size is the session's)", async () => {
    await h.ok(["new", "w", "--", "sh", "-c", "trap 'stty size' WINCH; while :; do sleep 0.05; done"]);
    const t = tty(["attach", "w"]);
    await t.settle();
    t.proc.terminal!.resize(100, 30);
    t.term.resize(100, 30);
    await waitFor(async () => JSON.parse(await h.ok(["ls", "--json"]))[0].cols === 100);
    expect(JSON.parse(await h.ok(["ls", "--json"]))[0]).toMatchObject({ cols: 100, rows: 30 });
    await t.waitScreen(/^30 100$/m); // the program got SIGWINCH and sees the new size
    t.type("\x1c");
    expect(await t.exit()).toBe(0);
  });

  test("a client that vanishes mid-attach is forgotten; the session and the daemon carry on", async () => {
    await h.ok(["new", "w", "--", "cat"]);
    const t = tty(["attach", "w"]);
    await t.settle();
    t.kill("SIGKILL");
    await waitFor(async () => JSON.parse(await h.ok(["ls", "--json"]))[0].clients === 0);
    expect(JSON.parse(await h.ok(["ls", "--json"]))[0].state).toBe("running");
    await h.ok(["type", "w", "still here", "--enter"]);
    await h.ok(["wait", "w", "--match", "still here", "--timeout", "5s"]);
  });

  test("new --attach creates and attaches in one go; the session outlives the detach", async () => {
    const t = tty(["new", "w", "--attach", "--", "cat"], 90, 30);
    await t.settle();
    t.type("hello-new\r");
    await t.waitScreen(/hello-new\s+hello-new/);
    t.type("\x1c");
    expect(await t.exit()).toBe(0);
    expect(JSON.parse(await h.ok(["ls", "--json"]))[0]).toMatchObject({ name: "w", state: "running", clients: 0, cols: 90, rows: 30 });
  });

  test("attach to an unknown session exits 3; with stdin not a terminal, exit 2", async () => {
    const t = tty(["attach", "nope"]);
    expect(await t.exit()).toBe(3);
    expect(t.screen().join("\n")).toMatch(/no session named "nope"/);
    const r = await h.run(["attach", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^maestro: attach needs a terminal: stdin is not a TTY/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
