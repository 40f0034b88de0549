/**
 * Messaging defects found by a new user (issue 9, "The rest"): non-UTF-8 bodies, reused
 * idempotency keys, reading expired messages, the --wait timeout JSON, audit times and action
 * names, send outcomes in metrics, and search words with punctuation.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FrameKind } from "../src/protocol/frame.ts";
import type { MessageView } from "../src/protocol/message.ts";
import { BIN, RawPeer, TestHome, waitFor } from "./helpers.ts";
import { FAST_CONFIG, as, closeHome, countMessages, expectFailure, expectRefused, identities, openHome, peek, send } from "./msg-helpers.ts";

let h: TestHome;
let files: string;
let a: { name: string; token: string };
let b: { name: string; token: string };
beforeAll(async () => {
  ({ h, scratch: files } = await openHome(FAST_CONFIG));
  ({ a, b } = await identities(h, "a", "b"));
});
afterAll(() => closeHome(h, files));

/** Runs the binary with raw bytes on stdin (TestHome.run takes text). */
async function runBytes(args: string[], stdin: Uint8Array, env: Record<string, string> = {}) {
  const proc = Bun.spawn([BIN, ...args], { env: { ...h.env, ...env }, stdin, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("a body that is not UTF-8 is refused, never stored as U+FFFD", () => {
  test("random bytes on stdin: exit 2, pointing at --attach, nothing stored", async () => {
    const before = await countMessages(h);
    let bytes = randomBytes(2000);
    bytes[0] = 0xff; // never valid UTF-8, whatever the rest happens to be
    const r = await runBytes(["send", b.name, "-"], bytes, { MAESTRO_TOKEN: a.token });
    expectFailure(r, 2, /not UTF-8 text.*--attach/);
    expect(await countMessages(h)).toBe(before);
  });

  test("an argument with invalid bytes (body or --subject): exit 2; a real U+FFFD in text is fine", async () => {
    const before = await countMessages(h);
    for (const [script, what] of [
      [`exec "$0" send "$1" "$(printf 'ok\\377\\376')"`, /argument is not UTF-8 text.*--attach/],
      [`exec "$0" send "$1" body --subject "$(printf 'ok\\377')"`, /--subject argument is not UTF-8 text/],
    ] as const) {
      const proc = Bun.spawn(["sh", "-c", script, BIN, b.name], { env: { ...h.env, MAESTRO_TOKEN: a.token }, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expectFailure({ code, stdout, stderr }, 2, what);
    }
    expect(await countMessages(h)).toBe(before);
    const id = await send(h, a.token, [b.name, "replacement char \uFFFD is text"]);
    const [m] = JSON.parse(await h.ok(["read", id, "--json"], as(b.token))) as MessageView[];
    expect(m!.body).toBe("replacement char \uFFFD is text");
  });

  test("a lone surrogate on the wire is refused by the daemon too", async () => {
    const before = await countMessages(h);
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    peer.request(1, "send", { to: [b.name], body: "a\ud800b" });
    const e = await peer.next(FrameKind.ERROR);
    expect(e).toMatchObject({ id: 1, code: "usage" });
    expect(String(e.message)).toMatch(/not valid Unicode text/);
    peer.end();
    expect(await countMessages(h)).toBe(before);
  });
});

describe("--idempotency-key stands for one message", () => {
  test("the same message again: the first id, duplicate: true", async () => {
    const args = [b.name, "deploy", "--subject", "s", "--idempotency-key", "same-1"];
    const first = JSON.parse(await h.ok(["send", ...args, "--json"], as(a.token)));
    const again = JSON.parse(await h.ok(["send", ...args, "--json"], as(a.token)));
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ ...first, duplicate: true });
  });

  test("another body, recipient list or subject with the key: exit 6, nothing stored", async () => {
    const c = (await identities(h, "c")).c;
    await send(h, a.token, [b.name, "deploy", "--idempotency-key", "k-2"]);
    for (const args of [
      [b.name, "rollback", "--idempotency-key", "k-2"],
      [`${b.name},${c.name}`, "deploy", "--idempotency-key", "k-2"],
      [c.name, "deploy", "--idempotency-key", "k-2"],
      [b.name, "deploy", "--subject", "other", "--idempotency-key", "k-2"],
      [b.name, "deploy", "--priority", "high", "--idempotency-key", "k-2"],
    ]) {
      await expectRefused(h, ["send", ...args], 6, /key already used for another message/, as(a.token));
    }
    // Another sender's key is its own.
    expect(JSON.parse(await h.ok(["send", a.name, "rollback", "--idempotency-key", "k-2", "--json"], as(b.token))).duplicate).toBe(false);
  });
});

describe("read says a message expired", () => {
  test("past its --ttl: an expired header, expired: true, and it is not marked read", async () => {
    const id = await send(h, a.token, [b.name, "short-lived", "--ttl", "100ms"]);
    const live = await send(h, a.token, [b.name, "long-lived"]);
    // Gone from the inbox once the TTL has passed (the operator's peek marks nothing).
    await waitFor(async () => !(await peek(h, b.name)).some((m) => m.id === id));
    const human = await h.ok(["read", id], as(b.token));
    expect(human).toMatch(/^expired +\S+ \(its --ttl ran out before it was read\)$/m);
    const [m] = JSON.parse(await h.ok(["read", id, "--json"], as(b.token))) as MessageView[];
    expect(m).toMatchObject({ id, expired: true, status: "expired", read_at: null });
    const [l] = JSON.parse(await h.ok(["read", live, "--json"], as(b.token))) as MessageView[];
    expect(l).toMatchObject({ expired: false, status: "read" });
    expect(await h.ok(["read", live], as(b.token))).not.toMatch(/^expired/m);
  });
});

describe("--wait … --json on timeout has the documented shape", () => {
  test("send --wait: {id, recipients, duplicate, wait: {id, reached: null, reply: null, timed_out: true}}, exit 4", async () => {
    const r = await h.run(["send", b.name, "answer me", "--wait", "read", "--timeout", "200ms", "--json"], as(a.token));
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ id: out.id, recipients: [b.name], duplicate: false, wait: { id: out.id, reached: null, reply: null, timed_out: true } });
  });

  test("wait-message resumes a wait that ran out: 4 timed out, 0 reached, 3 unknown id", async () => {
    const id = await send(h, a.token, [b.name, "read me later"]);
    const t = await h.run(["wait-message", id, "--for", "read", "--timeout", "150ms", "--json"], as(a.token));
    expect(t.code).toBe(4);
    expect(JSON.parse(t.stdout)).toEqual({ id, reached: null, reply: null, timed_out: true });
    await h.ok(["read", id], as(b.token));
    expect(JSON.parse(await h.ok(["wait-message", id, "--for", "read", "--json"], as(a.token)))).toEqual({ id, reached: "read", reply: null, timed_out: false });
    expect(await h.ok(["wait-message", id, "--for", "delivered"], as(a.token))).toBe(`${id}: delivered\n`);
    const reply = await send(h, b.token, [a.name, "done", "--reply-to", id]);
    const replied = JSON.parse(await h.ok(["wait-message", id, "--for", "reply", "--json"], as(a.token)));
    expect(replied).toMatchObject({ id, reached: "reply", reply: { id: reply, body: "done" }, timed_out: false });
    expectFailure(await h.run(["wait-message", "00000000001", "--for", "read"], as(a.token)), 3);
    expectFailure(await h.run(["wait-message", id], as(a.token)), 2, /--for/);
  });
});

describe("audit: ISO times, one action name for success and refusal", () => {
  test("`at` is ISO 8601; refused shutdown and new are daemon.stop and session.new", async () => {
    expectFailure(await h.run(["daemon", "stop"], as(a.token)), 6);
    expectFailure(await h.run(["new", "nope", "--", "cat"], as(a.token)), 6);
    const list = JSON.parse(await h.ok(["audit", "--json", "--limit", "50"])) as { at: unknown; actor: string; action: string; outcome: string }[];
    for (const e of list) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const denied = list.filter((e) => e.actor === a.name && e.outcome === "denied").map((e) => e.action);
    expect(denied).toContain("daemon.stop");
    expect(denied).toContain("session.new");
    expect(list.map((e) => e.action)).not.toContain("shutdown");
    expect(list.map((e) => e.action)).not.toContain("new");
  });
});

describe("send outcomes in metrics", () => {
  const sample = (text: string, outcome: string) => Number(new RegExp(`^maestro_sends_total\\{outcome="${outcome}"\\} (\\S+)$`, "m").exec(text)?.[1]);
  test("typos are invalid, not failed; refusals are refused", async () => {
    const before = await h.ok(["metrics"]);
    expectFailure(await h.run(["send", "no-such-one", "hi"], as(a.token)), 3);
    expectFailure(await h.run(["send", b.name, ""], as(a.token)), 2);
    expectFailure(await h.run(["send", b.name, "x".repeat(1001)], as(a.token)), 6);
    const after = await h.ok(["metrics"]);
    expect(after).not.toMatch(/outcome="error"/);
    expect(sample(after, "invalid") - sample(before, "invalid")).toBe(2);
    expect(sample(after, "refused") - sample(before, "refused")).toBe(1);
    expect(sample(after, "failed")).toBe(0);
  });
});

describe("search quotes plain words", () => {
  test("'fix-12' finds the message; FTS5 syntax passes through; a rejected query exits 2 saying how to quote", async () => {
    const id = await send(h, a.token, [b.name, "fix-12 landed on main"]);
    const found = JSON.parse(await h.ok(["search", "fix-12", "--json"], as(b.token))) as MessageView[];
    expect(found.map((m) => m.id)).toContain(id);
    const two = JSON.parse(await h.ok(["search", "fix-12 main", "--json"], as(b.token))) as MessageView[];
    expect(two.map((m) => m.id)).toContain(id);
    const op = JSON.parse(await h.ok(["search", '"fix-12" AND landed', "--json"], as(b.token))) as MessageView[];
    expect(op.map((m) => m.id)).toContain(id);
    expectFailure(await h.run(["search", "fix-12 AND landed"], as(b.token)), 2, /FTS5 cannot parse.*double quotes/);
  });
});
