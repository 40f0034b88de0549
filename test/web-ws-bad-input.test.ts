/** maestro.v1 bad input: each a clear error, nothing typed or stored, the daemon still serving. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startWeb, WsPeer, type Web } from "./web-helpers.ts";

let w: Web;
beforeAll(async () => {
  w = await startWeb("[web]\nmax_connections_per_ip = 4\n");
  await w.home.ok(["new", "b", "--", "sh", "-c", "stty -echo; exec cat"]);
  await w.home.ok(["new", "other", "--", "sh", "-c", "exec cat"]);
});
afterAll(async () => {
  await w.home.cleanup();
});

async function open(opts: { cookie?: string } = { cookie: w.cookie }): Promise<WsPeer> {
  const ws = await WsPeer.connect(w, opts);
  return ws;
}

/** The daemon still answers, and the session `b` saw none of what was refused. */
async function stillServing(): Promise<void> {
  await w.home.ok(["type", "b", "still-alive", "--enter"]);
  await w.home.ok(["wait", "b", "--match", "still-alive", "--timeout", "5s"]);
  const screen = await w.home.ok(["peek", "b"]);
  expect(screen).not.toContain("REFUSED");
}

describe("maestro.v1 bad input", () => {
  test("no credentials, a bad token, a message before hello", async () => {
    const anon = await open({});
    const e = await anon.hello();
    expect(e).toMatchObject({ type: "error", code: "unauthorized", exit: 6, fatal: true });
    expect(e.message).toContain("maestro web");
    await anon.waitClosed();
    const bad = await open({});
    expect(await bad.hello("mst_forged")).toMatchObject({ type: "error", code: "unauthorized", fatal: true });
    await bad.waitClosed();
    const early = await open();
    early.send({ type: "join", session: "b", cols: 80, rows: 24 });
    expect(await early.next("error")).toMatchObject({ code: "protocol", fatal: true, message: "the first message must be a hello" });
    await early.waitClosed();
    await stillServing();
  });

  test("a missing subprotocol is refused at the upgrade", async () => {
    const r = await fetch(`${w.base}/ws`, { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", cookie: w.cookie } });
    expect(r.status).toBe(400);
    expect((await r.json()).message).toContain("Sec-WebSocket-Protocol: maestro.v1");
  });

  test("join an unknown session; a text frame that is not JSON; an unknown type; a binary frame before join", async () => {
    const ws = await open();
    await ws.hello();
    ws.send({ type: "join", session: "nope", cols: 80, rows: 24 });
    expect(await ws.next("error")).toMatchObject({ code: "not_found", exit: 3, message: 'no session named "nope"; see `maestro ls`' });
    ws.ws.send("{not json");
    const nj = await ws.next("error");
    expect(nj).toMatchObject({ code: "protocol", exit: 1 });
    expect(nj.message).toContain("is not JSON");
    expect(nj.fatal).toBeUndefined();
    ws.send({ type: "teleport" });
    expect((await ws.next("error")).message).toContain('unknown message type "teleport"');
    ws.send({ type: "join", session: "b", cols: "wide", rows: 24 });
    expect((await ws.next("error")).message).toBe('join: "cols" must be an integer from 1 to 1000');
    ws.keys("REFUSED-before-join\r");
    const e = await ws.next("error");
    expect(e).toMatchObject({ code: "protocol" });
    expect(e.message).toContain("before join");
    // The connection still works.
    ws.send({ type: "join", session: "b", cols: 80, rows: 24 });
    expect(await ws.next("joined")).toMatchObject({ session: "b" });
    ws.close();
    await stillServing();
  });

  test("10 MB of keystrokes in one frame: refused whole, nothing typed", async () => {
    const ws = await open();
    await ws.hello();
    ws.send({ type: "join", session: "b", cols: 80, rows: 24 });
    await ws.next("joined");
    ws.keys(new Uint8Array(10 * 1024 * 1024).fill(0x52)); // "R…"
    const e = await ws.next("error", 10_000);
    expect(e).toMatchObject({ code: "too_large", exit: 6 });
    expect(e.message).toContain("at most 1048576 bytes");
    ws.close();
    await stillServing();
    expect(await w.home.ok(["peek", "b"])).not.toContain("RRRR");
  });

  test("a share link used for another session, for typing, for the API", async () => {
    const share = JSON.parse(await w.home.ok(["web", "share", "b", "--json"]));
    expect(share).toMatchObject({ session: "b", read_only: true });
    const token = share.url.split("/share/")[1];
    // Opening the link gives a cookie for that one session.
    const r = await fetch(share.url, { redirect: "manual" });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/?session=b");
    const cookie = r.headers.get("set-cookie")!.split(";")[0]!;
    const ws = await open({ cookie });
    const welcome = await ws.hello();
    expect(welcome).toMatchObject({ type: "welcome", scope: { session: "b", read_only: true } });
    ws.send({ type: "join", session: "other", cols: 80, rows: 24 });
    expect(await ws.next("error")).toMatchObject({ code: "forbidden", message: 'this share link is for session "b" only' });
    ws.send({ type: "join", session: "b", cols: 80, rows: 24, read_only: false });
    expect((await ws.next("error")).message).toContain("read-only");
    ws.send({ type: "join", session: "b", cols: 80, rows: 24 });
    expect(await ws.next("joined")).toMatchObject({ read_only: true });
    ws.keys("REFUSED-share-typing\r");
    expect(await ws.next("error")).toMatchObject({ code: "forbidden" });
    ws.send({ type: "subscribe", topics: ["sessions"] });
    expect((await ws.next("error")).message).toContain("cannot subscribe");
    ws.close();
    // The same token in a hello, and on the HTTP API.
    const direct = await open({});
    expect(await direct.hello(token)).toMatchObject({ type: "welcome", scope: { session: "b" } });
    direct.close();
    const viaApi = await fetch(`${w.base}/api/v1/ls`, { method: "POST", headers: { cookie, origin: w.origin } });
    expect(viaApi.status).toBe(403);
    const activity = await fetch(`${w.base}/activity`, { headers: { cookie } });
    expect(activity.status).toBe(403);
    // Revoked: the link and its cookie stop working.
    await w.home.ok(["web", "--revoke"]);
    expect((await fetch(share.url, { redirect: "manual" })).status).toBe(401);
    const after = await open({ cookie });
    expect(await after.hello()).toMatchObject({ type: "error", code: "unauthorized" });
    await stillServing();
    w.cookie = (await fetch((JSON.parse(await w.home.ok(["web", "--json"])) as { url: string }).url, { redirect: "manual" })).headers.get("set-cookie")!.split(";")[0]!;
  });

  test("more connections from one address than web.max_connections_per_ip", async () => {
    const held: WsPeer[] = [];
    for (let i = 0; i < 4; i++) held.push(await open());
    const over = await open();
    const e = await over.next("error");
    expect(e).toMatchObject({ code: "rate_limited", exit: 6, fatal: true });
    expect(e.message).toContain("web.max_connections_per_ip");
    await over.waitClosed();
    const http = await fetch(`${w.base}/activity`, { headers: { cookie: w.cookie } });
    expect(http.status).toBe(429);
    for (const h of held) h.close();
    await Promise.all(held.map((h) => h.waitClosed()));
    // Slots come back as connections close.
    const again = await open();
    expect((await again.hello()).type).toBe("welcome");
    again.close();
    await stillServing();
  });
});
