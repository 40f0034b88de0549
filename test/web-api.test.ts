/** POST /api/v1/<request>: the socket's requests over HTTP, the same results, refusals and audit. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startWeb, type Web } from "./web-helpers.ts";

let w: Web;
let alice: string;
let bob: string;
beforeAll(async () => {
  w = await startWeb();
  alice = JSON.parse(await w.home.ok(["register", "alice", "--json"])).token;
  bob = JSON.parse(await w.home.ok(["register", "bob", "--json"])).token;
});
afterAll(async () => {
  await w.home.cleanup();
});

const countMessages = async () => (JSON.parse(await w.home.ok(["history", "--json"])) as unknown[]).length;

describe("HTTP API parity with the socket", () => {
  test("send / inbox / read / reply with identity tokens: same args, same results, sender = the token's identity", async () => {
    const sent = await api(w, "send", { to: ["bob"], body: "hi bob", subject: "greeting" }, { token: alice });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ recipients: ["bob"], duplicate: false });
    const id = sent.json.id as string;
    // The socket sees the same message, from alice.
    const viaSocket = JSON.parse(await w.home.ok(["inbox", "bob", "--json"]));
    expect(viaSocket).toHaveLength(1);
    expect(viaSocket[0]).toMatchObject({ id, from: "alice", subject: "greeting", body: "hi bob" });
    const inbox = await api(w, "inbox", { unread: true }, { token: bob });
    expect(inbox.status).toBe(200);
    expect(inbox.json.map((m: { id: string }) => m.id)).toEqual([id]);
    const read = await api(w, "read", { ids: [id] }, { token: bob });
    expect(read.json[0]).toMatchObject({ id, body: "hi bob" });
    const reply = await api(w, "reply", { id, body: "hi alice" }, { token: bob });
    expect(reply.json.recipients).toEqual(["alice"]);
    const aliceInbox = await api(w, "inbox", {}, { token: alice });
    expect(aliceInbox.json[0]).toMatchObject({ from: "bob", body: "hi alice", in_reply_to: id });
    // Audited like the socket's sends.
    const audit = JSON.parse(await w.home.ok(["audit", "--json"])) as { actor: string; action: string; outcome: string; detail: string }[];
    expect(audit.some((e) => e.actor === "alice" && e.action === "send" && e.outcome === "ok" && e.detail === id)).toBe(true);
  });

  test("ls / new / kill as the operator (API token); an agent is refused new with 403, as on the socket", async () => {
    const { token } = JSON.parse(await w.home.ok(["web", "--api-token", "--json"]));
    expect(token).toMatch(/^mwt_/);
    // Shown once: asking again without --rotate is refused.
    const again = await w.home.run(["web", "--api-token"]);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain("--rotate");
    const created = await api(w, "new", { name: "s1", command: ["sh", "-c", "echo up; exec sleep 100"] }, { token });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ name: "s1" });
    const ls = await api(w, "ls", {}, { token });
    expect(ls.json.map((s: { name: string }) => s.name)).toContain("s1");
    const cli = JSON.parse(await w.home.ok(["ls", "--json"]));
    expect(cli.map((s: { name: string }) => s.name)).toEqual(ls.json.map((s: { name: string }) => s.name));
    const refused = await api(w, "new", { name: "s2", command: ["true"] }, { token: alice });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ code: "forbidden", exit: 6 });
    expect(refused.json.message).toContain("only the operator may create sessions");
    const killed = await api(w, "kill", { name: "s1", signal: "KILL" }, { token });
    expect(killed.json).toMatchObject({ name: "s1", exited: true });
    const missing = await api(w, "kill", { name: "nope" }, { token });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: "not_found", exit: 3 });
    // --rotate replaces it: the old token stops working.
    const { token: rotated } = JSON.parse(await w.home.ok(["web", "--api-token", "--rotate", "--json"]));
    expect((await api(w, "whoami", {}, { token })).status).toBe(401);
    expect((await api(w, "whoami", {}, { token: rotated })).json).toMatchObject({ name: "operator", kind: "operator" });
  });

  test("GET /metrics and /activity behind the same auth", async () => {
    expect((await fetch(`${w.base}/metrics`)).status).toBe(401);
    const m = await fetch(`${w.base}/metrics`, { headers: { authorization: `Bearer ${alice}` } });
    expect(m.status).toBe(200);
    expect(await m.text()).toContain("maestro_sends_total");
    await w.home.ok(["new", "act", "--", "sh", "-c", "echo activity-here; exec cat"]);
    await w.home.ok(["wait", "act", "--match", "activity-here", "--timeout", "5s"]);
    await w.home.ok(["type", "act", "abc"]);
    const a = await fetch(`${w.base}/activity`, { headers: { cookie: w.cookie } });
    expect(a.status).toBe(200);
    const s = (await a.json()).sessions.find((x: { name: string }) => x.name === "act");
    expect(s).toMatchObject({ name: "act", state: "running", clients: 0, bytes_in: 3 });
    expect(s.bytes_out).toBeGreaterThan(0);
    expect(typeof s.last_activity).toBe("string");
  });
});

describe("HTTP API bad input: a clear error, nothing stored, the daemon keeps serving", () => {
  test("a bad bearer token", async () => {
    const before = await countMessages();
    const r = await api(w, "send", { to: ["bob"], body: "x" }, { token: "mst_forged" });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: "unauthorized", exit: 6 });
    const malformed = await fetch(`${w.base}/api/v1/whoami`, { method: "POST", headers: { authorization: "Basic Zm9vOmJhcg==" } });
    expect(malformed.status).toBe(401);
    expect((await malformed.json()).message).toContain("Bearer");
    expect(await countMessages()).toBe(before);
    const audit = JSON.parse(await w.home.ok(["audit", "--json"])) as { action: string; outcome: string; actor: string }[];
    expect(audit.some((e) => e.action === "auth" && e.outcome === "denied" && e.actor.startsWith("web "))).toBe(true);
  });

  test("a non-JSON body, a JSON non-object, bad arguments", async () => {
    const before = await countMessages();
    const r = await api(w, "send", "{to: bob", { token: alice });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "usage", exit: 2 });
    expect(r.json.message).toContain("must be one JSON object");
    const arr = await api(w, "send", "[1,2]", { token: alice });
    expect(arr.status).toBe(400);
    expect(arr.json.message).toContain("not an array");
    const args = await api(w, "send", { to: "bob", body: "x" }, { token: alice });
    expect(args.status).toBe(400);
    expect(args.json.message).toBe('send: argument "to" must be a list of strings');
    const unknownRecipient = await api(w, "send", { to: ["nobody-here"], body: "x" }, { token: alice });
    expect(unknownRecipient.status).toBe(404);
    expect(await countMessages()).toBe(before);
  });

  test("an unknown request type, and streaming requests (attach, events, inbox follow)", async () => {
    const r = await api(w, "frobnicate", {}, { token: alice });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ code: "unknown_request", exit: 2 });
    expect(r.json.message).toContain('unknown request type "frobnicate"');
    for (const [type, body] of [["attach", { name: "act" }], ["events", {}], ["wait", { name: "act" }], ["inbox", { follow: true }], ["resize", { stream: 1, cols: 80, rows: 24 }]] as const) {
      const s = await api(w, type, body, { token: alice });
      expect(s.status, type).toBe(400);
      expect(s.json.message, type).toContain("/ws");
    }
    const get = await fetch(`${w.base}/api/v1/status`, { headers: { authorization: `Bearer ${alice}` } });
    expect(get.status).toBe(400);
    expect((await get.json()).message).toContain("use POST");
  });

  test("an oversize body is 413, nothing stored", async () => {
    const before = await countMessages();
    const big = JSON.stringify({ to: ["bob"], body: "x".repeat(17 * 1024 * 1024) });
    const r = await api(w, "send", big, { token: alice });
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ code: "too_large", exit: 6 });
    expect(r.json.message).toContain("16 MiB");
    // Over the configured body limit but under the HTTP cap: refused by the same check as the socket.
    const over = await api(w, "send", { to: ["bob"], body: "y".repeat(1024 * 1024 + 1) }, { token: alice });
    expect(over.status).toBe(413);
    expect(await countMessages()).toBe(before);
    expect((await api(w, "whoami", {}, { token: alice })).json).toMatchObject({ name: "alice", kind: "agent" });
  });

  test("the rate limit is 429, as on the socket", async () => {
    let limited: { status: number; json: any } | undefined;
    for (let i = 0; i < 400 && !limited; i++) {
      const r = await api(w, "send", { to: ["bob"], body: `r${i}` }, { token: alice });
      if (r.status !== 200) limited = r;
    }
    expect(limited?.status).toBe(429);
    expect(limited?.json).toMatchObject({ code: "rate_limited", exit: 6 });
  });
});
