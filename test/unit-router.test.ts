/**
 * The router's pieces, in process, on a real SQLite store in a temporary directory: the TTL /
 * --ack sweep, the `--wait` waiters, fan-out to live subscribers, and the router that wires them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { CheckedArgs } from "../src/protocol/requests.ts";
import type { MessageView } from "../src/protocol/message.ts";
import { parseId } from "../src/protocol/message.ts";
import type { Identity } from "../src/protocol/messages.ts";
import { Audit } from "../src/broker/audit.ts";
import { BlobStore } from "../src/broker/blobs.ts";
import { DEFAULT_CONFIG, type Config } from "../src/broker/config.ts";
import { createLogger } from "../src/broker/log.ts";
import { Metrics } from "../src/broker/metrics.ts";
import { DeliveryMarks } from "../src/broker/messaging/delivery-marks.ts";
import { FanOut, type Subscriber } from "../src/broker/messaging/fan-out.ts";
import { FtsIndexer } from "../src/broker/messaging/fts-indexer.ts";
import { Router } from "../src/broker/messaging/router.ts";
import { SendCommit } from "../src/broker/messaging/send-commit.ts";
import { SendWaiters } from "../src/broker/messaging/send-wait.ts";
import { TtlAckSweep } from "../src/broker/messaging/ttl-ack-sweep.ts";
import { Writer } from "../src/broker/messaging/writer.ts";
import { Store } from "../src/broker/store/index.ts";

const HOUR = 3_600_000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The messaging pieces over a fresh store, wired as router.ts wires them (the sweep's timer only if asked). */
function rig(messages: Partial<Config["messages"]> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "maestro-unit-router-"));
  const store = new Store(join(dir, "maestro.db"));
  const writer = new Writer(store.db);
  const config = structuredClone(DEFAULT_CONFIG);
  // A sweep that runs on its own only where a test asks for it; the others call sweep() themselves.
  Object.assign(config.messages, { sweep_ms: HOUR }, messages);
  const log = createLogger(join(dir, "daemon.log"), false);
  const metrics = new Metrics();
  const audit = new Audit(store, writer);
  const waiters = new SendWaiters(store);
  const marks = new DeliveryMarks(store, writer, config.messages, metrics, waiters, log);
  const fanOut = new FanOut(store, marks);
  const commit = new SendCommit(store, config, new BlobStore(dir), writer, audit);
  const sweep = new TtlAckSweep(store, writer, config.messages, fanOut, waiters, log);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => writer.flush());
  cleanups.push(() => sweep.close());
  const who = (name: string): Identity => {
    if (!store.identities.get(name)) store.identities.issue(name, "agent", false);
    return { name, kind: "agent" };
  };
  /** Commits and pushes, as Router.send does. */
  const send = async (from: Identity, args: CheckedArgs<"send">) => {
    const { outcome, row } = await commit.commit(from, args);
    if (row) {
      fanOut.pushNew(row, outcome.recipients);
      if (row.in_reply_to !== null) waiters.changed(row.in_reply_to);
    }
    return outcome.id;
  };
  /** Resolves once everything queued on the writer before it is committed: a later op on the same ordered stream. */
  const committed = () => writer.write(() => undefined);
  const delivery = (recipient: string, id: string) => store.messages.delivery(recipient, parseId(id));
  return { dir, store, writer, config, metrics, waiters, marks, fanOut, commit, sweep, who, send, committed, delivery, log };
}

/** A subscriber that keeps what it was given (and takes it, unless told not to). */
function recorder(takes = true): Subscriber & { views: MessageView[] } {
  const views: MessageView[] = [];
  return { views, deliver: (v) => (views.push(v), takes) };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await Bun.sleep(2);
  }
}

describe("the TTL / --ack sweep", () => {
  test("expires unread deliveries whose --ttl ran out, on its own timer, and ends a --wait on them", async () => {
    const r = rig({ sweep_ms: 10 });
    const [a, b, c] = [r.who("a"), r.who("b"), r.who("c")];
    const sweep = new TtlAckSweep(r.store, r.writer, r.config.messages, r.fanOut, r.waiters, r.log); // the timer-driven one
    cleanups.push(() => sweep.close());
    const short = await r.send(a, { to: ["b", "c"], body: "soon gone", ttl_ms: 30 });
    const kept = await r.send(a, { to: ["b"], body: "no ttl" });
    await r.marks.markRead(c, [parseId(short)]); // read before it expired: stays read
    await expect(r.waiters.waitFor(a, short, "read", 10_000)).rejects.toMatchObject({ code: "timeout", message: expect.stringContaining("expired") });
    expect(r.delivery("b", short)?.status).toBe("expired");
    expect(r.delivery("c", short)?.status).toBe("read");
    expect(r.delivery("b", kept)?.status).toBe("queued");
    expect(r.waiters.pending).toBe(0);
    void b;
  });

  test("pushes an unacked --ack message again each ack_wait, then dead-letters it after max_deliver pushes", async () => {
    const r = rig({ ack_wait_ms: 0, max_deliver: 3 });
    const [a] = [r.who("a"), r.who("b")];
    const sub = recorder();
    r.fanOut.subscribe("b", sub);
    const id = await r.send(a, { to: ["b"], body: "ack me", ack: true });
    await r.committed();
    expect(r.delivery("b", id)).toMatchObject({ status: "delivered", attempts: 1 });
    await r.sweep.sweep();
    expect(r.delivery("b", id)).toMatchObject({ status: "delivered", attempts: 2 });
    await r.sweep.sweep();
    expect(r.delivery("b", id)).toMatchObject({ status: "delivered", attempts: 3 });
    await r.sweep.sweep(); // attempts reached max_deliver
    expect(r.delivery("b", id)).toMatchObject({ status: "dead", dead_reason: "max_deliver" });
    await r.sweep.sweep(); // dead: never pushed again
    expect(sub.views.map((v) => v.attempts)).toEqual([1, 2, 3]);
    expect(r.store.messages.dead("b", 10).map((d) => d.id)).toEqual([parseId(id)]);
  });

  test("with small timings, on its own timer: pushed again after ack_wait, dead after max_deliver", async () => {
    const r = rig({ ack_wait_ms: 20, max_deliver: 2 });
    const a = r.who("a");
    r.who("b");
    const sweep = new TtlAckSweep(r.store, r.writer, { ...r.config.messages, sweep_ms: 5 }, r.fanOut, r.waiters, r.log);
    cleanups.push(() => sweep.close());
    const sub = recorder();
    r.fanOut.subscribe("b", sub);
    const id = await r.send(a, { to: ["b"], body: "ack me", ack: true });
    await until(() => r.delivery("b", id)?.status === "dead");
    expect(sub.views.map((v) => v.attempts)).toEqual([1, 2]);
    const [first, second] = sub.views.map((v) => Date.parse(v.delivered_at ?? ""));
    expect(first).toBe(second); // a redelivery keeps the first delivery's time
  });

  test("an acked message is not pushed again; one with nobody subscribed waits parked for the next subscriber", async () => {
    const r = rig({ ack_wait_ms: 0, max_deliver: 5 });
    const [a, b] = [r.who("a"), r.who("b")];
    const sub = recorder();
    const off = r.fanOut.subscribe("b", sub);
    const acked = await r.send(a, { to: ["b"], body: "acked", ack: true });
    const parked = await r.send(a, { to: ["b"], body: "parked", ack: true });
    await r.committed();
    await r.marks.ack(b, [acked]);
    off();
    await r.sweep.sweep();
    expect(sub.views.map((v) => v.body)).toEqual(["acked", "parked"]); // nothing more: acked is done, parked has nobody
    expect(r.delivery("b", acked)?.status).toBe("acked");
    expect(r.delivery("b", parked)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(r.store.messages.redeliveryDue(Date.now() + HOUR)).toEqual([]); // parked, not due
    // The next subscriber is owed it, and the push counts as one more attempt.
    const next = recorder();
    r.fanOut.subscribe("b", next);
    await r.fanOut.catchUp("b", next);
    expect(next.views.map((v) => [v.body, v.attempts])).toEqual([["parked", 2]]);
    expect(r.delivery("b", parked)?.attempts).toBe(2);
  });

  test("a message expired before anyone waits is refused at once", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    const id = await r.send(a, { to: ["b"], body: "brief", ttl_ms: 1 });
    await Bun.sleep(3); // let the 1 ms TTL run out: time passing, not an absence
    await r.sweep.sweep();
    await expect(r.waiters.waitFor(a, id, "delivered", 10_000)).rejects.toMatchObject({ code: "timeout", message: expect.stringContaining("expired") });
  });
});

describe("the --wait waiters", () => {
  test("delivered: wakes when a live subscriber takes the message", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    const id = await r.send(a, { to: ["b"], body: "hi" });
    const waiting = r.waiters.waitFor(a, id, "delivered", 10_000);
    expect(r.waiters.pending).toBe(1);
    const sub = recorder();
    r.fanOut.subscribe("b", sub);
    await r.fanOut.catchUp("b", sub);
    await expect(waiting).resolves.toBeNull();
    expect(r.waiters.pending).toBe(0);
  });

  test("read: waits for every recipient, not the first", async () => {
    const r = rig();
    const [a, b, c] = [r.who("a"), r.who("b"), r.who("c")];
    const id = await r.send(a, { to: ["b", "c"], body: "both of you" });
    let settled = false;
    const waiting = r.waiters.waitFor(a, id, "read", 10_000).finally(() => (settled = true));
    await r.marks.markRead(b, [parseId(id)]);
    await r.committed(); // b's read is committed and its wake-up has run
    expect(settled).toBe(false);
    await r.marks.markRead(c, [parseId(id)]);
    await expect(waiting).resolves.toBeNull();
  });

  test("reply: resolves with the reply, woken by the router's send", async () => {
    const r = rig();
    const dir = r.dir;
    const router = new Router(r.store, r.config, new BlobStore(dir), r.log, r.writer, new Audit(r.store, r.writer), r.metrics);
    cleanups.push(() => router.close());
    const [a, b] = [r.who("a"), r.who("b")];
    const { id } = await router.send(a, { to: ["b"], body: "question" });
    const waiting = router.waitFor(a, id, "reply", 10_000);
    expect(router.pendingWaits).toBe(1);
    const reply = await router.send(b, { to: ["a"], body: "answer", reply_to: id });
    await expect(waiting).resolves.toMatchObject({ id: reply.id, body: "answer", from: "b" });
    expect(router.pendingWaits).toBe(0);
  });

  test("times out with code timeout, and an aborted wait gives up its place", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    const id = await r.send(a, { to: ["b"], body: "hi" });
    await expect(r.waiters.waitFor(a, id, "delivered", 20)).rejects.toMatchObject({ code: "timeout", message: expect.stringContaining("was not delivered within 0.02 s") });
    const ctl = new AbortController();
    const waiting = r.waiters.waitFor(a, id, "read", 10_000, ctl.signal);
    expect(r.waiters.pending).toBe(1);
    ctl.abort();
    await expect(waiting).rejects.toMatchObject({ code: "unavailable" });
    expect(r.waiters.pending).toBe(0);
  });

  test("only the sender or a recipient may wait on a message", async () => {
    const r = rig();
    const [a, , c] = [r.who("a"), r.who("b"), r.who("c")];
    const id = await r.send(a, { to: ["b"], body: "private" });
    expect(() => r.waiters.waitFor(c, id, "read", 1000)).toThrow(expect.objectContaining({ code: "not_found" }));
  });
});

describe("fan-out to live subscribers", () => {
  test("a new message goes to every subscriber of each recipient, and is marked delivered only where one took it", async () => {
    const r = rig();
    const a = r.who("a");
    for (const n of ["b", "c", "d"]) r.who(n);
    const b1 = recorder();
    const b2 = recorder();
    const c = recorder(false); // connected, but not reading
    r.fanOut.subscribe("b", b1);
    r.fanOut.subscribe("b", b2);
    r.fanOut.subscribe("c", c);
    const id = await r.send(a, { to: ["b", "c", "d"], body: "all" });
    await r.committed();
    expect([b1.views.length, b2.views.length, c.views.length]).toEqual([1, 1, 1]);
    expect(b1.views[0]).toMatchObject({ id, to: ["b", "c", "d"], recipient: "b", status: "delivered", attempts: 1 });
    expect(r.delivery("b", id)?.status).toBe("delivered");
    expect(r.delivery("c", id)?.status).toBe("queued");
    expect(r.delivery("d", id)?.status).toBe("queued");
    expect(r.metrics.counters.deliveries).toBe(1);
  });

  test("catch-up pushes what is owed in inbox order (priority, then FIFO) and stops at the first refusal", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    const low = await r.send(a, { to: ["b"], body: "low", priority: "low" });
    const n1 = await r.send(a, { to: ["b"], body: "n1" });
    const urgent = await r.send(a, { to: ["b"], body: "urgent", priority: "urgent" });
    const n2 = await r.send(a, { to: ["b"], body: "n2" });
    expect(r.fanOut.owed("b").map((m) => m.body)).toEqual(["urgent", "n1", "n2", "low"]);
    let room = 2;
    const views: string[] = [];
    const sub: Subscriber = { deliver: (v) => (room-- > 0 ? (views.push(v.body), true) : false) };
    await r.fanOut.catchUp("b", sub);
    expect(views).toEqual(["urgent", "n1"]);
    expect([urgent, n1, n2, low].map((id) => r.delivery("b", id)?.status)).toEqual(["delivered", "delivered", "queued", "queued"]);
    // Still owed: what was delivered and is unread, and what was not pushed.
    expect(r.fanOut.owed("b").map((m) => [m.body, m.status])).toEqual([["urgent", "delivered"], ["n1", "delivered"], ["n2", "queued"], ["low", "queued"]]);
  });

  test("an unsubscribed subscriber gets nothing more", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    const sub = recorder();
    const off = r.fanOut.subscribe("b", sub);
    await r.send(a, { to: ["b"], body: "one" });
    off();
    expect(r.fanOut.has("b")).toBe(false);
    const two = await r.send(a, { to: ["b"], body: "two" });
    await r.committed();
    expect(sub.views.map((v) => v.body)).toEqual(["one"]);
    expect(r.delivery("b", two)?.status).toBe("queued");
  });

  test("an idempotent repeat is answered with the first id and pushed once", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    const sub = recorder();
    r.fanOut.subscribe("b", sub);
    const first = await r.commit.commit(a, { to: ["b"], body: "once", idempotency_key: "k1" });
    const again = await r.commit.commit(a, { to: ["b"], body: "once", idempotency_key: "k1" });
    expect(again.outcome).toEqual({ ...first.outcome, duplicate: true });
    expect(again.row).toBeUndefined();
    await expect(r.commit.commit(a, { to: ["b"], body: "else", idempotency_key: "k1" })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("the full-text indexer", () => {
  test("fills the index off the send path on its timer; indexAll catches up at once", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    for (let i = 0; i < 45; i++) await r.send(a, { to: ["b"], body: `note ${i} ${i === 44 ? "needle" : "hay"}` });
    expect(r.store.messages.indexedTo()).toBe(0); // the send path indexed nothing
    const onTimer = new FtsIndexer(r.store, r.writer, r.log, () => r.commit.lastId);
    cleanups.push(() => onTimer.close());
    await until(() => r.store.messages.indexedTo() === r.commit.lastId);
    expect(r.store.messages.search("needle", undefined, 10).map((m) => m.body)).toEqual(["note 44 needle"]);
    const later = await r.send(a, { to: ["b"], body: "another needle" });
    const quick = new FtsIndexer(r.store, r.writer, r.log, () => r.commit.lastId);
    quick.close(); // no timer: only indexAll
    onTimer.close();
    await quick.indexAll();
    expect(r.store.messages.indexedTo()).toBe(parseId(later));
    expect(r.store.messages.search("needle", undefined, 10)).toHaveLength(2);
  });
});

describe("one commit per send", () => {
  test("a send's ok audit record is written in the message's own commit, with its id; a refused send writes neither", async () => {
    const r = rig();
    const a = r.who("a");
    r.who("b");
    const audits = () => r.store.audit.list(0, 100).filter((e) => e.action === "send");
    const { outcome } = await r.commit.commit(a, { to: ["b"], body: "hello" }, { actor: "a", action: "send", target: "b" });
    // Nothing else queued: the record is there the moment the send resolves (no later commit owed).
    expect(audits().map((e) => `${e.actor} ${e.outcome} ${e.detail}`)).toEqual([`a ok ${outcome.id}`]);
    const again = await r.commit.commit(a, { to: ["b"], body: "hello", idempotency_key: "k" }, { actor: "a", action: "send", target: "b" });
    const dup = await r.commit.commit(a, { to: ["b"], body: "hello", idempotency_key: "k" }, { actor: "a", action: "send", target: "b" });
    expect(dup.outcome).toEqual({ ...again.outcome, duplicate: true });
    expect(audits().map((e) => e.detail).sort()).toEqual([outcome.id, again.outcome.id, again.outcome.id].sort());
    await expect(r.commit.commit(a, { to: ["b"], body: "else", idempotency_key: "k" }, { actor: "a", action: "send", target: "b" })).rejects.toMatchObject({ code: "forbidden" });
    expect(audits()).toHaveLength(3);
  });

  test("the writer: a lone op that throws after writing leaves nothing, and the next op commits", async () => {
    const r = rig();
    r.who("a");
    const count = () => r.store.db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit WHERE actor = 'lone'").get()!.n;
    const entry = { at: Date.now(), actor: "lone", action: "x", target: "", outcome: "ok" as const, detail: "" };
    await expect(r.writer.write(() => {
      r.store.audit.insert(entry);
      throw new Error("after the insert");
    })).rejects.toThrow("after the insert");
    expect(count()).toBe(0);
    await r.writer.write(() => r.store.audit.insert(entry));
    expect(count()).toBe(1);
    // Two in one tick: the failing one is rolled back to its savepoint, the other commits.
    const bad = r.writer.write(() => {
      r.store.audit.insert(entry);
      throw new Error("second");
    });
    const good = r.writer.write(() => r.store.audit.insert(entry));
    await expect(bad).rejects.toThrow("second");
    await good;
    expect(count()).toBe(2);
  });

  test("the writer: a batch of replayable ops runs without savepoints; one that throws is rolled back alone, on a replay with them", async () => {
    const r = rig();
    const rows = () => r.store.db.query<{ detail: string }, []>("SELECT detail FROM audit WHERE actor = 'rp' ORDER BY id").all().map((e) => e.detail);
    const entry = (detail: string) => ({ at: Date.now(), actor: "rp", action: "x", target: "", outcome: "ok" as const, detail });
    const runs: string[] = [];
    const op = (detail: string, fail = false) =>
      r.writer.write(() => {
        runs.push(detail);
        r.store.audit.insert(entry(detail));
        if (fail) throw new Error(`no ${detail}`);
        return detail;
      }, { replayable: true });
    // All well: each op runs once, one commit.
    await expect(Promise.all([op("a"), op("b"), op("c")])).resolves.toEqual(["a", "b", "c"]);
    expect(runs).toEqual(["a", "b", "c"]);
    // One throws: the batch is rolled back and run again with savepoints; the others commit once.
    runs.length = 0;
    const results = await Promise.allSettled([op("d"), op("e", true), op("f")]);
    expect(results.map((x) => x.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(runs).toEqual(["d", "e", "d", "e", "f"]);
    expect(rows()).toEqual(["a", "b", "c", "d", "f"]);
    // A non-replayable op in the batch: savepoints from the start, every op runs once.
    runs.length = 0;
    const plain = r.writer.write(() => {
      runs.push("g");
      r.store.audit.insert(entry("g"));
    });
    await Promise.allSettled([plain, op("h", true), op("i")]);
    expect(runs).toEqual(["g", "h", "i"]);
    expect(rows()).toEqual(["a", "b", "c", "d", "f", "g", "i"]);
  });

  test("a thread is its root (by primary key) and its replies (by the replies-only index), in id order", async () => {
    const r = rig();
    const a = r.who("a");
    const b = r.who("b");
    const root = await r.send(a, { to: ["b"], body: "root" });
    await r.send(a, { to: ["b"], body: "unrelated" });
    const re1 = await r.send(b, { to: ["a"], body: "re 1", reply_to: root });
    await r.send(a, { to: ["b"], body: "re 2", reply_to: re1 });
    expect(r.store.messages.thread(parseId(root)).map((m) => m.body)).toEqual(["root", "re 1", "re 2"]);
    const plan = r.store.db.query<{ detail: string }, []>("EXPLAIN QUERY PLAN SELECT id FROM messages m WHERE m.id = 1 AND m.thread_id = m.id UNION ALL SELECT id FROM messages m WHERE m.thread_id = 1 AND m.thread_id <> m.id").all().map((p) => p.detail);
    expect(plan.join("\n")).toContain("messages_thread_replies");
  });
});
