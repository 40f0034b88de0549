/**
 * The restore an attach draws is kept by the daemon until the screen changes (src/pty/restore.ts):
 * clients attaching at once or one after another see the same exact screen, and one attaching
 * after new output, or after the session was resized, sees the screen as it is now.
 */
import { afterAll, describe, expect, test } from "vitest";
import { TestHome } from "./helpers.ts";
import { diffTerminals, ttysFor, type Tty } from "./tty.ts";

const h = new TestHome();
afterAll(() => h.cleanup());
const tty = ttysFor(h);

/** Detaches by signal: unlike the detach key, it cannot race the client's switch to raw mode. */
async function detach(t: Tty): Promise<void> {
  t.kill("SIGTERM");
  expect(await t.exit()).toBe(0);
}

describe("attach restores", () => {
  test("attaches at once and in a row see the same screen and history; after output, the new screen", async () => {
    await h.ok(["new", "w", "--", "sh", "-c", "seq 1 300; printf '\\033[1;32mgreen\\033[0m\\n'; exec cat"]);
    await h.ok(["wait", "w", "--match", "green", "--timeout", "10s"]);
    const together = [tty(["attach", "w", "--read-only"]), tty(["attach", "w", "--read-only"]), tty(["attach", "w", "--read-only"])];
    for (const t of together) await t.waitScreen(/green/);
    for (const t of together) await t.settle();
    for (const t of together.slice(1)) expect(diffTerminals(t.term, together[0]!.term)).toEqual([]);
    for (const t of together) expect(t.allText()).toMatch(/^1\n2\n3\n/); // all 300 lines of history
    const seen = { screen: together[0]!.screen(), all: together[0]!.allText() };
    for (const t of together) await detach(t);
    const later = tty(["attach", "w", "--read-only"]);
    await later.waitScreen(/green/);
    await later.settle();
    expect(later.screen()).toEqual(seen.screen);
    expect(later.allText()).toBe(seen.all);
    await detach(later);

    await h.ok(["type", "w", "fresh-line", "--enter"]);
    await h.ok(["wait", "w", "--match", "fresh-line\\s+fresh-line", "--timeout", "5s"]);
    const after = tty(["attach", "w", "--read-only"]);
    await after.waitScreen(/fresh-line\s+fresh-line/);
    await detach(after);
  });

  test("after a resize, an attach draws the screen at the new size", async () => {
    await h.ok(["new", "w", "--", "sh", "-c", `printf '%s\\n' "${"x".repeat(70)}END"; exec cat`]);
    await h.ok(["wait", "w", "--match", "END", "--timeout", "10s"]);
    const first = tty(["attach", "w", "--read-only"]);
    await first.waitScreen(/END/);
    expect(first.screen()[0]).toBe(`${"x".repeat(70)}END`);
    await detach(first);
    // A writable client 40 columns wide makes the session 40 wide: the line re-wraps there.
    const narrow = tty(["attach", "w"], 40, 24);
    await narrow.waitScreen(/END/);
    expect(JSON.parse(await h.ok(["ls", "--json"]))[0]).toMatchObject({ cols: 40 });
    const ro = tty(["attach", "w", "--read-only"], 40, 24);
    await ro.waitScreen(/END/);
    expect(ro.screen().slice(0, 2)).toEqual(["x".repeat(40), `${"x".repeat(30)}END`]);
    await detach(ro);
    await detach(narrow);
  });
});
