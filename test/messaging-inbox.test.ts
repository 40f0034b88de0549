/** Live delivery (SPEC §5): inbox --follow, offline recipients, --ack redelivery and dead letters, TTL, --wait. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import { FrameKind } from "../src/protocol/frame.ts";
import { encodeJson } from "../src/protocol/messages.ts";
import { RawPeer, TestHome, waitFor } from "./helpers.ts";
import { FAST_CONFIG, Follower, as, identities, inbox, peek, send, spawnVerb } from "./msg-helpers.ts";

// FAST_CONFIG: ack_wait_ms = 200, sweep_ms = 50, max_deliver = 3.
const ACK_WAIT = 200;
const MAX_DELIVER = 3;

let h: TestHome;
const followers: Follower[] = [];
const follow = (token: string) => {
  const f = new Follower(h, token);
  followers.push(f);
  return f;
};
beforeAll(async () => {
  h = new TestHome({ config: FAST_CONFIG });
  await h.start();
});
afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()));
});
afterAll(() => h.cleanup());

const history = async (token: string): Promise<MessageView[]> => JSON.parse(await h.ok(["history", "--json"], as(token)));

describe("inbox --follow", () => {
  test("streams JSON lines pushed by the daemon as messages arrive, and marks them delivered", async () => {
    const { a, b } = await identities(h, "a", "b");
    const f = follow(b.token);
    // a first message proves the subscription is live before the next ones are sent
    const first = await send(h, a.token, [b.name, "first"]);
    expect(await f.next()).toMatchObject({ id: first, from: a.name, body: "first", status: "delivered" });
    const later: string[] = [];
    for (const body of ["second", "third"]) {
      later.push(await send(h, a.token, [b.name, body, "--subject", body]));
      const m = await f.next();
      expect(m).toMatchObject({ id: later.at(-1), body, subject: body, to: [b.name] });
    }
    await waitFor(async () => (await peek(h, b.name)).every((m) => m.status === "delivered"));
    expect(f.lines.pending()).toEqual([]);
  });

  test("a known but offline recipient: queued, then delivered when it comes back", async () => {
    const { a, b } = await identities(h, "a", "b");
    const ids = [await send(h, a.token, [b.name, "while you were out"]), await send(h, a.token, [b.name, "urgent one", "--priority", "urgent"])];
    expect((await peek(h, b.name)).map((m) => m.status)).toEqual(["queued", "queued"]);
    const f = follow(b.token);
    // what it is owed comes first, in inbox order
    expect((await f.next()).id).toBe(ids[1]);
    expect((await f.next()).id).toBe(ids[0]);
    await waitFor(async () => (await peek(h, b.name)).every((m) => m.status === "delivered"));
  });

  test("a message committed while a follow subscribes is pushed once, not twice", async () => {
    // send and inbox --follow in one chunk: the send commits after the subscription is made and
    // before the catch-up runs, the window where it used to be pushed by both.
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    const frames = [
      encodeJson(FrameKind.REQUEST, { id: 1, type: "send", args: { to: ["operator"], body: "race" } }),
      encodeJson(FrameKind.REQUEST, { id: 2, type: "inbox", args: { follow: true } }),
    ];
    peer.write(Buffer.concat(frames));
    const events: { event: MessageView }[] = [];
    events.push((await peer.next(FrameKind.EVENT)) as never);
    // a marker sent afterwards must be the very next event
    const marker = await send(h, "", ["operator", "marker"]);
    events.push((await peer.next(FrameKind.EVENT)) as never);
    peer.end();
    expect(events.map((e) => e.event.body)).toEqual(["race", "marker"]);
    expect(events[1]!.event.id).toBe(marker);
  });

  test("--ack: redelivered every ack_wait, at most max_deliver times, then dead with reason max_deliver", async () => {
    const { a, b } = await identities(h, "a", "b");
    const f = follow(b.token);
    const id = await send(h, a.token, [b.name, "ack me", "--ack"]);
    const times: number[] = [];
    for (let i = 1; i <= MAX_DELIVER; i++) {
      const m = await f.next(5 * ACK_WAIT + 2_000);
      times.push(Date.now());
      expect(m).toMatchObject({ id, ack: true, attempts: i });
    }
    // spaced by ack_wait, not pushed back to back (measured on receipt, so with some slack)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(ACK_WAIT / 2);
    await waitFor(async () => (JSON.parse(await h.ok(["dead", "--json"], as(b.token))) as MessageView[]).length === 1);
    const [dead] = JSON.parse(await h.ok(["dead", "--json"], as(b.token))) as MessageView[];
    expect(dead).toMatchObject({ id, recipient: b.name, status: "dead", dead_reason: "max_deliver", attempts: MAX_DELIVER });
    expect((JSON.parse(await h.ok(["dead", "--json"])) as MessageView[]).map((m) => m.id)).toContain(id); // the operator sees all
    expect(JSON.parse(await h.ok(["dead", "--json"], as(a.token)))).toEqual([]); // the sender is not the dead recipient
    // a dead letter is no longer unread, and is not pushed again
    expect((await inbox(h, b.token, ["--unread"])).map((m) => m.id)).not.toContain(id);
    expect(f.lines.pending()).toEqual([]);
  });

  test("an acked message is not redelivered", async () => {
    const { a, b } = await identities(h, "a", "b");
    const f = follow(b.token);
    const id = await send(h, a.token, [b.name, "ack me once", "--ack"]);
    expect((await f.next()).id).toBe(id);
    expect(JSON.parse(await h.ok(["ack", id, "--json"], as(b.token)))).toEqual({ acked: [id] });
    expect((await peek(h, b.name))[0]).toMatchObject({ id, status: "acked" });
    // The marker: a second --ack message, left unacked. Its redelivery comes one ack_wait after
    // its own delivery, later than the acked one's would have fallen due (the sweep pushes in
    // due order): were the acked one pushed again, it would be on the stream before that.
    const marker = await send(h, a.token, [b.name, "marker", "--ack"]);
    expect((await f.next()).id).toBe(marker);
    expect(await f.next()).toMatchObject({ id: marker, attempts: 2 });
    await h.ok(["ack", marker], as(b.token));
    expect(JSON.parse(await h.ok(["dead", "--json"], as(b.token)))).toEqual([]);
  });

  test("--ttl: an expired message is never listed or delivered; the sweeper marks it expired", async () => {
    const { a, b } = await identities(h, "a", "b");
    const id = await send(h, a.token, [b.name, "short-lived", "--ttl", "300ms"]);
    const [m] = await peek(h, b.name);
    expect(m).toMatchObject({ id, status: "queued" });
    const expires = Date.parse(m!.expires_at!);
    expect(expires - Date.parse(m!.created_at)).toBe(300);
    await Bun.sleep(Math.max(0, expires - Date.now()) + 10); // a deadline: nothing announces it
    expect(await inbox(h, b.token)).toEqual([]);
    expect(await peek(h, b.name)).toEqual([]);
    const f = follow(b.token);
    const marker = await send(h, a.token, [b.name, "after expiry"]);
    expect((await f.next()).id).toBe(marker); // the expired one would have come first
    await waitFor(async () => (await history(b.token)).find((x) => x.id === id)?.status === "expired");
  });
});

describe("send --wait", () => {
  test("--wait read blocks until the recipient reads it", async () => {
    const { a, b } = await identities(h, "a", "b");
    const w = spawnVerb(h, ["send", b.name, "read me", "--wait", "read", "--timeout", "20s"], a.token);
    const id = (await w.lines.next()).trim();
    expect(id).toMatch(/^[0-9a-z]{11}$/);
    await inbox(h, b.token); // a peek is not a read: the waiter keeps waiting
    await h.ok(["read", id], as(b.token));
    expect(await w.proc.exited).toBe(0);
    expect(await w.stderr).toBe("");
  });

  test("--wait delivered returns once a live subscriber has it", async () => {
    const { a, b } = await identities(h, "a", "b");
    const f = follow(b.token);
    const warm = await send(h, a.token, [b.name, "warm-up"]); // the subscription is live
    expect((await f.next()).id).toBe(warm);
    const r = JSON.parse(await h.ok(["send", b.name, "here?", "--wait", "delivered", "--timeout", "20s", "--json"], as(a.token)));
    expect(r).toMatchObject({ wait: { reached: "delivered", reply: null } });
    expect((await f.next()).id).toBe(r.id);
  });

  test("--wait reply blocks until a reply exists and prints it", async () => {
    const { a, b } = await identities(h, "a", "b");
    const w = spawnVerb(h, ["send", b.name, "question", "--wait", "reply", "--timeout", "20s"], a.token);
    const id = (await w.lines.next()).trim();
    const reply = (await h.ok(["reply", id, "the answer"], as(b.token))).trim();
    expect(await w.proc.exited).toBe(0);
    const rest = (await w.lines.next()) + (await w.lines.next());
    expect(rest).toMatch(new RegExp(`id\\s+${reply}`));
    // --json: one object at the end, carrying the reply
    const wj = spawnVerb(h, ["send", b.name, "q2", "--wait", "reply", "--timeout", "20s", "--json"], a.token);
    await waitFor(async () => (await inbox(h, b.token, ["--unread"])).length === 1); // polled: nothing announces it
    const [q2] = await inbox(h, b.token, ["--unread"]);
    const r2 = (await h.ok(["reply", q2!.id, "a2"], as(b.token))).trim();
    expect(await wj.proc.exited).toBe(0);
    expect(JSON.parse(await wj.lines.next())).toMatchObject({ id: q2!.id, wait: { reached: "reply", reply: { id: r2, body: "a2", from: b.name } } });
  });

  test("waiting on a message that expired undelivered fails at once with exit 4, never 'delivered'", async () => {
    const { b } = await identities(h, "b");
    const id = await send(h, "", [b.name, "gone soon", "--ttl", "50ms"]);
    await waitFor(async () => (await history(b.token)).find((x) => x.id === id)?.status === "expired");
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    for (const [i, what] of ["delivered", "read"].entries()) {
      peer.request(i + 1, "message.wait", { id, for: what, timeout_ms: 20_000 });
      expect(await peer.next(FrameKind.ERROR, 2_000)).toMatchObject({ id: i + 1, code: "timeout", exit: 4, message: expect.stringMatching(/expired/) });
    }
    peer.end();
    expect(peer.frames.filter((f) => f.kind === FrameKind.REPLY)).toEqual([]);
  });

  test("a wait already under way ends (exit 4, expired) when the sweeper expires the message, not at its timeout", async () => {
    const { a, b } = await identities(h, "a", "b");
    const t0 = Date.now();
    const r = await h.run(["send", b.name, "short-lived", "--ttl", "300ms", "--wait", "read", "--timeout", "30s"], as(a.token));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/expired \(--ttl\) before it was read/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  test("--ttl drops unread messages; one already read stays in the listing after its expiry", async () => {
    const { a, b } = await identities(h, "a", "b");
    const readIt = await send(h, a.token, [b.name, "read in time", "--ttl", "300ms"]);
    await h.ok(["read", readIt], as(b.token));
    const unread = await send(h, a.token, [b.name, "never read", "--ttl", "300ms"]);
    await waitFor(async () => (await history(b.token)).find((x) => x.id === unread)?.status === "expired");
    const ids = (await inbox(h, b.token)).map((m) => m.id);
    expect(ids).toContain(readIt);
    expect(ids).not.toContain(unread);
  });

  test("--wait times out with exit 4, after printing the id", async () => {
    const { a, b } = await identities(h, "a", "b");
    const r = await h.run(["send", b.name, "nobody reads", "--wait", "read", "--timeout", "200ms"], as(a.token));
    expect(r.code).toBe(4);
    expect(r.stdout.trim()).toMatch(/^[0-9a-z]{11}$/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^maestro: .*not read within 0\.2 s/);
    const rj = await h.run(["send", b.name, "nobody replies", "--wait", "reply", "--timeout", "200ms", "--json"], as(a.token));
    expect(rj.code).toBe(4);
    expect(JSON.parse(rj.stdout)).toMatchObject({ id: expect.any(String), wait: { reached: null, reply: null, timed_out: true } });
  });
});
