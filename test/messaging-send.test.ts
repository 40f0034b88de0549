/** send and what follows it (SPEC §5): fields, flags, groups, order, threads, search, attachments, purge. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import { FrameKind } from "../src/protocol/frame.ts";
import { RawPeer, TestHome } from "./helpers.ts";
import { FAST_CONFIG, as, closeHome, openHome, countMessages, expectFailure, identities, inbox, peek, send } from "./msg-helpers.ts";

let h: TestHome;
let scratch: string;
beforeAll(async () => ({ h, scratch } = await openHome(FAST_CONFIG)));
afterAll(() => closeHome(h, scratch));

const readJson = async (token: string, ...ids: string[]): Promise<MessageView[]> => JSON.parse(await h.ok(["read", ...ids, "--json"], as(token)));

describe("send", () => {
  test("--json prints the id; inbox --json lists the message with its fields", async () => {
    const { a, b } = await identities(h, "a", "b");
    const sent = JSON.parse(await h.ok(["send", b.name, "hello b", "--subject", "greeting", "--json"], as(a.token)));
    expect(sent).toMatchObject({ id: expect.stringMatching(/^[0-9a-z]{11}$/), recipients: [b.name], duplicate: false });
    // without --json: the id alone
    const plain = (await h.ok(["send", b.name, "second"], as(a.token))).trim();
    expect(plain).toMatch(/^[0-9a-z]{11}$/);
    const list = await inbox(h, b.token);
    expect(list.map((m) => m.id)).toEqual([sent.id, plain]);
    const m = list[0]!;
    for (const k of ["id", "from", "to", "subject", "body", "priority", "status", "thread_id", "created_at"]) expect(m).toHaveProperty(k);
    expect(m).toMatchObject({ from: a.name, to: [b.name], subject: "greeting", body: "hello b", priority: "normal", status: "delivered", thread_id: sent.id });
    expect(Date.parse(m.created_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  test("body from stdin with -, and --type, --priority, --meta (repeatable), --ttl", async () => {
    const { a, b } = await identities(h, "a", "b");
    const body = "line one\nline two — ünïcode\n";
    const id = await send(h, a.token, [b.name, "-", "--type", "task", "--priority", "high", "--meta", "k1=v1", "--meta", "k2=a=b", "--meta=k3=", "--ttl", "1h"], body);
    const [m] = await readJson(b.token, id);
    expect(m).toMatchObject({ body, type: "task", priority: "high", metadata: { k1: "v1", k2: "a=b", k3: "" } });
    expect(Date.parse(m!.expires_at!) - Date.parse(m!.created_at)).toBe(3_600_000);
    // a subject alone is a message
    const subjectOnly = await send(h, a.token, [b.name, "--subject", "ping"]);
    expect((await readJson(b.token, subjectOnly))[0]).toMatchObject({ subject: "ping", body: "" });
  });

  test("--idempotency-key: the same key from the same sender returns the first id and stores nothing", async () => {
    const { a, b, c } = await identities(h, "a", "b", "c");
    const first = JSON.parse(await h.ok(["send", b.name, "once", "--idempotency-key", "job-1", "--json"], as(a.token)));
    const before = await countMessages(h);
    const again = JSON.parse(await h.ok(["send", b.name, "once", "--idempotency-key", "job-1", "--json"], as(a.token)));
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(await countMessages(h)).toBe(before);
    expect((await inbox(h, b.token)).map((m) => m.body)).toEqual(["once"]);
    // another sender's key is its own
    const other = await send(h, c.token, [b.name, "from c", "--idempotency-key", "job-1"]);
    expect(other).not.toBe(first.id);
    expect(await countMessages(h)).toBe(before + 1);
  });

  test("--idempotency-key: after the window (500 ms here) the same key sends again", async () => {
    const { a, b } = await identities(h, "a", "b");
    const first = await send(h, a.token, [b.name, "once", "--idempotency-key", "nightly"]);
    const [m] = await peek(h, b.name);
    await Bun.sleep(Math.max(0, Date.parse(m!.created_at) + 500 - Date.now()) + 10); // a deadline: nothing announces it
    const second = await send(h, a.token, [b.name, "again", "--idempotency-key", "nightly"]);
    expect(second).not.toBe(first);
    expect((await inbox(h, b.token)).map((x) => x.body)).toEqual(["once", "again"]);
  });

  test("inbox filters: --from, --thread, --since, --limit, --unread", async () => {
    const { a, b, c } = await identities(h, "a", "b", "c");
    const fromA = await send(h, a.token, [c.name, "from a"]);
    const fromB = await send(h, b.token, [c.name, "from b"]);
    const inThread = await send(h, a.token, [c.name, "a again", "--reply-to", fromA]);
    const ids = async (...args: string[]) => (await inbox(h, c.token, args)).map((m) => m.id);
    expect(await ids("--from", a.name)).toEqual([fromA, inThread]);
    expect(await ids("--from", b.name)).toEqual([fromB]);
    expect(await ids("--thread", inThread)).toEqual([fromA, inThread]);
    expect(await ids("--limit", "2")).toEqual([fromA, fromB]);
    expect(await ids("--since", "1h")).toEqual([fromA, fromB, inThread]);
    expect(await ids("--since", "2999-01-01T00:00:00Z")).toEqual([]);
    await h.ok(["read", fromB], as(c.token));
    expect(await ids("--unread")).toEqual([fromA, inThread]);
    expect(await ids()).toEqual([fromA, inThread, fromB]); // unread first, then read ones
    expectFailure(await h.run(["inbox", "--thread", "0000000000z"], as(c.token)), 3);
  });

  test("order: priority first, then time; FIFO per sender→recipient", async () => {
    const { a, b } = await identities(h, "a", "b");
    const plan = ["low", "normal", "urgent", "normal", "high", "low", "urgent"];
    const ids: string[] = [];
    for (const [i, p] of plan.entries()) ids.push(await send(h, a.token, [b.name, `m${i}`, "--priority", p]));
    const got = (await inbox(h, b.token, ["--unread"])).map((m) => m.body);
    expect(got).toEqual(["m2", "m6", "m4", "m1", "m3", "m0", "m5"]);
    // ids sort by time as text too
    expect([...ids].sort()).toEqual(ids);
  });

  test("inbox marks delivered, not read; read marks read; unread counts agree", async () => {
    const { a, b } = await identities(h, "a", "b");
    const ids = [await send(h, a.token, [b.name, "one"]), await send(h, a.token, [b.name, "two"]), await send(h, a.token, [b.name, "three"])];
    expect((await peek(h, b.name)).map((m) => m.status)).toEqual(["queued", "queued", "queued"]); // the operator's peek marks nothing
    expect((await inbox(h, b.token)).map((m) => m.status)).toEqual(["delivered", "delivered", "delivered"]);
    expect((await inbox(h, b.token, ["--unread"])).length).toBe(3);
    const [r] = await readJson(b.token, ids[1]!);
    expect(r).toMatchObject({ status: "read", body: "two" });
    expect(r!.read_at).not.toBeNull();
    const all = await inbox(h, b.token);
    const unread = await inbox(h, b.token, ["--unread"]);
    expect(unread.map((m) => m.id)).toEqual([ids[0], ids[2]]);
    expect(all.filter((m) => m.status === "delivered" || m.status === "queued").length).toBe(unread.length);
    expect(all.filter((m) => m.status === "read").map((m) => m.id)).toEqual([ids[1]]);
    expect((await peek(h, b.name)).filter((m) => m.status !== "read").length).toBe(unread.length);
    expect(JSON.parse(await h.ok(["status", "--json"], as(b.token)))).toMatchObject({ identity: b.name, unread: unread.length });
    // read prints the message in full for a person
    const text = await h.ok(["read", ids[0]!], as(b.token));
    expect(text).toMatch(new RegExp(`^id\\s+${ids[0]}$`, "m"));
    expect(text).toMatch(new RegExp(`^from\\s+${a.name}$`, "m"));
    expect(text).toMatch(/\n\none\n$/);
  });

  test("groups: add/rm/ls; @group fans out with per-recipient state and skips the sender", async () => {
    const { a, b, c, d } = await identities(h, "a", "b", "c", "d");
    const g = `team-${a.name}`;
    await h.ok(["group", "add", g, a.name, b.name, c.name]);
    expect(JSON.parse(await h.ok(["group", "ls", g, "--json"]))).toEqual({ groups: [{ name: g, members: [a.name, b.name, c.name].sort() }] });
    const sent = JSON.parse(await h.ok(["send", `@${g}`, "to the team", "--json"], as(a.token)));
    expect(sent.recipients.sort()).toEqual([b.name, c.name].sort());
    await readJson(b.token, sent.id);
    expect((await peek(h, b.name))[0]).toMatchObject({ id: sent.id, status: "read" });
    expect((await peek(h, c.name))[0]).toMatchObject({ id: sent.id, status: "queued" });
    expect(await inbox(h, a.token)).toEqual([]);
    expect(await inbox(h, d.token)).toEqual([]);
    // only the operator changes groups
    expectFailure(await h.run(["group", "add", g, d.name], as(a.token)), 6, /only the operator/);
    expectFailure(await h.run(["group", "add", g, "no-such-identity"]), 3);
    await h.ok(["group", "rm", g, c.name]);
    expect(JSON.parse(await h.ok(["send", `@${g}`, "again", "--json"], as(a.token))).recipients).toEqual([b.name]);
    await h.ok(["group", "rm", g]);
    expectFailure(await h.run(["group", "ls", g]), 3);
  });

  test("* is everyone but the sender", async () => {
    const { a, b, c } = await identities(h, "a", "b", "c");
    const sent = JSON.parse(await h.ok(["send", "*", "broadcast", "--json"], as(a.token)));
    expect(sent.recipients).toEqual(expect.arrayContaining([b.name, c.name, "operator"]));
    expect(sent.recipients).not.toContain(a.name);
    expect((await inbox(h, b.token)).map((m) => m.body)).toEqual(["broadcast"]);
    expect((await inbox(h, c.token)).map((m) => m.body)).toEqual(["broadcast"]);
    expect(await inbox(h, a.token)).toEqual([]);
  });

  test("reply goes to the original sender in the same thread and marks the original read; thread and --thread", async () => {
    const { a, b, c } = await identities(h, "a", "b", "c");
    const q = await send(h, a.token, [b.name, "question?", "--subject", "plan"]);
    const r = JSON.parse(await h.ok(["reply", q, "answer!", "--json"], as(b.token)));
    expect(r.recipients).toEqual([a.name]);
    expect((await peek(h, b.name)).find((m) => m.id === q)?.status).toBe("read");
    const [got] = await readJson(a.token, r.id);
    expect(got).toMatchObject({ from: b.name, to: [a.name], body: "answer!", subject: "Re: plan", thread_id: q, in_reply_to: q });
    const followUp = await send(h, a.token, [b.name, "thanks", "--reply-to", r.id]);
    const cc = await send(h, a.token, [c.name, "fyi", "--thread", q]);
    const thread = JSON.parse(await h.ok(["thread", r.id, "--json"], as(a.token))) as MessageView[];
    expect(thread.map((m) => m.id)).toEqual([q, r.id, followUp, cc]);
    expect(new Set(thread.map((m) => m.thread_id))).toEqual(new Set([q]));
    // c sees only its own part of the thread
    expect((JSON.parse(await h.ok(["thread", cc, "--json"], as(c.token))) as MessageView[]).map((m) => m.id)).toEqual([cc]);
    expectFailure(await h.run(["thread", q], as(c.token)), 3);
  });

  test("history and search show what the caller sent or received; the operator sees all", async () => {
    const { a, b, c } = await identities(h, "a", "b", "c");
    const word = `zebra${a.name.replace(/[^a-z0-9]/g, "")}`;
    const m1 = await send(h, a.token, [b.name, `the ${word} crossed`, "--subject", "sighting"]);
    const m2 = await send(h, b.token, [c.name, "unrelated", "--subject", `${word} report`]);
    const ids = (list: MessageView[]) => list.map((m) => m.id);
    expect(ids(JSON.parse(await h.ok(["history", "--json"], as(a.token))))).toEqual([m1]);
    expect(ids(JSON.parse(await h.ok(["history", "--json"], as(b.token))))).toEqual([m2, m1]);
    expect(ids(JSON.parse(await h.ok(["history", "--json", "--from", b.name, "--to", c.name])))).toEqual([m2]);
    expect(ids(JSON.parse(await h.ok(["search", word, "--json"], as(b.token)))).sort()).toEqual([m1, m2].sort());
    expect(ids(JSON.parse(await h.ok(["search", word, "--json"], as(a.token))))).toEqual([m1]);
    expect(ids(JSON.parse(await h.ok(["search", `${word} AND report`, "--json"])))).toEqual([m2]);
    expect(ids(JSON.parse(await h.ok(["search", `"${word} crossed"`, "--json"])))).toEqual([m1]);
    expect(JSON.parse(await h.ok(["search", word, "--json"], as((await identities(h, "d")).d.token)))).toEqual([]);
    expectFailure(await h.run(["search", '"unbalanced']), 2, /cannot parse the query/);
    expectFailure(await h.run(["search", "(nosuchcolumn:word)"]), 2, /cannot parse the query/);
  });

  test("--attach and read --save-attachments round-trip the bytes under safe names", async () => {
    const { a, b } = await identities(h, "a", "b");
    const bytes = new Uint8Array(1500).map((_, i) => (i * 151 + 7) & 0xff);
    const src = join(scratch, "data.bin");
    writeFileSync(src, bytes);
    const dotted = join(scratch, "..hidden");
    writeFileSync(dotted, "dots");
    const id = await send(h, a.token, [b.name, "files", "--attach", src, "--attach", dotted]);
    const [m] = await readJson(b.token, id);
    expect(m!.attachments.map((x) => [x.name, x.size])).toEqual([["data.bin", 1500], ["..hidden", 4]]);
    const out = join(scratch, "out");
    for (let i = 0; i < 2; i++) await h.ok(["read", id, "--save-attachments", out], as(b.token));
    expect(readdirSync(out).sort()).toEqual(["_hidden", "_hidden (1)", "data (1).bin", "data.bin"]);
    expect(new Uint8Array(readFileSync(join(out, "data.bin")))).toEqual(bytes);
    expect(readFileSync(join(out, "_hidden"), "utf8")).toBe("dots");
    // content-addressed: the same bytes sent again are stored once
    const blobs = readdirSync(join(h.home, "blobs")).length;
    await send(h, a.token, [b.name, "same file", "--attach", src]);
    expect(readdirSync(join(h.home, "blobs")).length).toBe(blobs);
  });

  test("an attachment named ../../evil is refused by the daemon and stores nothing", async () => {
    const before = await countMessages(h);
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    for (const [i, name] of ["../../evil", "..", "a\\b", ""].entries()) {
      peer.request(i + 1, "send", { to: ["operator"], body: "x", attachments: [{ name, data: Buffer.from("evil").toString("base64") }] });
      expect(await peer.next(FrameKind.ERROR)).toMatchObject({ id: i + 1, code: "usage", exit: 2 });
    }
    peer.end();
    expect(await countMessages(h)).toBe(before);
    expect(existsSync(join(h.home, "..", "evil"))).toBe(false);
  });
});

test("purge --older-than deletes old messages and the attachments nothing refers to", async () => {
  const p = new TestHome();
  try {
    const file = join(scratch, "purge.txt");
    writeFileSync(file, "attached");
    await h.ok(["status"]); // the shared daemon is unaffected by this home
    await p.ok(["send", "operator", "old", "--attach", file]);
    expect(JSON.parse(await p.ok(["purge", "--older-than", "1h", "--json"]))).toEqual({ messages: 0, blobs: 0 });
    expect(await countMessages(p)).toBe(1);
    const started = Date.now();
    while (Date.now() - started < 5) await Bun.sleep(1); // the message must be older than the cutoff
    expect(JSON.parse(await p.ok(["purge", "--older-than", "1ms", "--json"]))).toEqual({ messages: 1, blobs: 1 });
    expect(await countMessages(p)).toBe(0);
    expect(JSON.parse(await p.ok(["search", "old", "--json"]))).toEqual([]);
    expect(readdirSync(join(p.home, "blobs"))).toEqual([]);
    const { a } = await identities(p, "a");
    expectFailure(await p.run(["purge", "--older-than", "1d"], as(a.token)), 6, /only the operator/);
    expectFailure(await p.run(["purge"]), 2, /--older-than/);
    expectFailure(await p.run(["purge", "--older-than", "soon"]), 2, /invalid duration/);
  } finally {
    await p.cleanup();
  }
});
