/** The notice's text (src/pty/notice.ts): nothing in it that a shell, REPL or editor acts on. */
import { describe, expect, test } from "vitest";
import { notice, safeText, SUBJECT_MAX } from "../src/pty/notice.ts";
import { heldBy, holdSet } from "../src/pty/foreground.ts";

const SAFE = /^[A-Za-z0-9 .,:\-_/]*$/;
const FORBIDDEN = ["$", "`", ";", "|", "&", "<", ">", "'", '"', "(", ")", "{", "}", "[", "]", "#", "!", "~", "*", "?", "\\", "=", "^", "%", "@", "+", "\n", "\r", "\t", "\x00", "\x03", "\x04", "\x07", "\x1b", "\x15", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "é", "　"];

describe("safeText", () => {
  test.each(FORBIDDEN.map((c) => [JSON.stringify(c), c]))("drops %s", (_, c) => {
    const out = safeText(`a${c}b ${c}${c} c${c}`, SUBJECT_MAX);
    expect(out).toMatch(SAFE);
    expect(out).not.toContain(c);
    expect(out).toBe("a b c");
  });

  test("keeps letters, digits, spaces and .,:-_/; collapses runs; trims", () => {
    expect(safeText("  Fix: src/app.ts, line 12 -- v1.2_3  ", SUBJECT_MAX)).toBe("Fix: src/app.ts, line 12 -- v1.2_3");
    expect(safeText("hello $(touch ./pwned)", SUBJECT_MAX)).toBe("hello touch ./pwned");
    expect(safeText("evil\x1b]0;PWNED\x07\x1b[31mred", SUBJECT_MAX)).toBe("evil 0 PWNED 31mred");
  });

  test("nothing left is the empty string", () => {
    expect(safeText("$(`;|&<>'\"){}#!~*?\\\n\x1b", SUBJECT_MAX)).toBe("");
  });

  test("cuts long text at a word within the limit, never leaving anything open", () => {
    const long = "word ".repeat(40) + "`";
    const out = safeText(long, SUBJECT_MAX);
    expect(out.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(out).toMatch(/^(word )+word\.\.\.$/);
    const oneWord = safeText("x".repeat(200), SUBJECT_MAX);
    expect(oneWord).toBe(`${"x".repeat(SUBJECT_MAX - 3)}...`);
  });
});

describe("notice", () => {
  const msg = (id: string, subject: string, body = "") => ({ id, from: "boss", subject, body, priority: "normal" as const });

  test("the whole line is safe, fixed parts included, and starts with a word that is no command", () => {
    const text = notice("w1", [msg("0k3f9a2b1c4", "a; rm -rf ~ `x` $(y) | z & <w> 'q' \"d\" #c !h"), msg("0k3f9a2b1c5", "", "body\nwith $HOME"), msg("0k3f9a2b1c6", "", "$()")]);
    expect(text).toMatch(SAFE);
    expect(text).toBe(
      "maestro: 3 new messages for w1: 0k3f9a2b1c4 from boss: a rm -rf x y z w q d c h -- 0k3f9a2b1c5 from boss: body with HOME -- 0k3f9a2b1c6 from boss -- read: maestro read 0k3f9a2b1c4 0k3f9a2b1c5 0k3f9a2b1c6",
    );
  });

  test("one message", () => {
    expect(notice("agent2", [msg("0k3f9a2b1c4", "hello $(touch ./pwned)")])).toBe(
      "maestro: 1 new message for agent2: 0k3f9a2b1c4 from boss: hello touch ./pwned -- read: maestro read 0k3f9a2b1c4",
    );
  });
});

describe("heldBy", () => {
  test("an empty list holds nothing; a program that cannot be seen is held by any other list", () => {
    expect(heldBy(-1, holdSet([]))).toBeUndefined();
    expect(heldBy(-1, holdSet(["bash"]))).toBe("unknown");
  });
});
