/**
 * `send --wait` and `inbox --follow` across a daemon restart: they reconnect and resume — the
 * follower shows exactly what it is owed (nothing lost, nothing twice), the wait ends on the same id.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome } from "./helpers.ts";
import { FAST_CONFIG, Follower, as, closeHome, identities, openHome, send, spawnVerb } from "./msg-helpers.ts";

let h: TestHome;
let files: string;
beforeAll(async () => {
  ({ h, scratch: files } = await openHome(FAST_CONFIG));
});
afterAll(() => closeHome(h, files));

describe("a daemon restart", () => {
  test("`daemon restart`: the follower resumes without repeats, the waiter ends on the same id", async () => {
    const { a, b } = await identities(h, "a", "b");
    const follower = new Follower(h, b.token);
    const m1 = await send(h, a.token, [b.name, "one"]);
    expect((await follower.next()).id).toBe(m1);
    const waiter = spawnVerb(h, ["send", b.name, "read me", "--wait", "read", "--timeout", "30s"], a.token);
    const m2 = await waiter.lines.next();
    expect((await follower.next()).id).toBe(m2);
    const pidBefore = h.daemonPid();

    await h.ok(["daemon", "restart"]);
    expect(h.daemonPid()).not.toBe(pidBefore);

    // Both m1 and m2 are still owed (delivered, unread) and the new stream starts with them, in
    // order: the next line being m3 shows that neither was shown twice.
    const m3 = await send(h, a.token, [b.name, "three"]);
    expect((await follower.next(10_000)).id).toBe(m3);
    const m4 = await send(h, a.token, [b.name, "four"]);
    expect((await follower.next()).id).toBe(m4);

    await h.ok(["read", m2], as(b.token));
    expect(await waiter.proc.exited).toBe(0);
    expect(await waiter.stderr).toMatch(/reconnecting/);
    expect(follower.proc.exitCode).toBeNull(); // still following
    await follower.stop();
  });

  test("stop, a message while no daemon runs, then start: the follower gets it; a --json waiter keeps its id", async () => {
    const { a, b } = await identities(h, "a", "b");
    const follower = new Follower(h, b.token);
    const m1 = await send(h, a.token, [b.name, "before"]);
    expect((await follower.next()).id).toBe(m1);
    const waiter = spawnVerb(h, ["send", b.name, "reply to me", "--wait", "reply", "--timeout", "30s", "--json"], a.token);
    const m2 = (await follower.next()).id;

    await h.ok(["daemon", "stop"]);
    // A send now autostarts a daemon; the follower was away when it was committed.
    const m3 = await send(h, a.token, [b.name, "while away"]);
    await h.ok(["daemon", "start"]);
    expect((await follower.next(10_000)).id).toBe(m3);

    const r = await send(h, b.token, [a.name, "done", "--reply-to", m2]);
    expect(await waiter.proc.exited).toBe(0);
    const out = JSON.parse(await waiter.lines.next());
    expect(out).toMatchObject({ id: m2, wait: { id: m2, reached: "reply", reply: { id: r, body: "done" }, timed_out: false } });
    await follower.stop();
  });
});
