/** maestro.v1 over a real WebSocket: join, restore, live output, input, resize, read-only, resume, flow control. */
import { afterEach, describe, expect, test } from "vitest";
import { startWeb, WsPeer, type Web } from "./web-helpers.ts";

let w: Web | undefined;
const peers: WsPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await w?.home.cleanup();
  w = undefined;
});

async function joinedPeer(web: Web, join: Record<string, unknown>, opts: { cookie?: string; token?: string } = { cookie: web.cookie }): Promise<{ ws: WsPeer; joined: any }> {
  const ws = await WsPeer.connect(web, opts.cookie ? { cookie: opts.cookie } : {});
  peers.push(ws);
  const welcome = await ws.hello(opts.token);
  expect(welcome.type).toBe("welcome");
  ws.send({ type: "join", cols: 80, rows: 24, ...join });
  return { ws, joined: await ws.next() };
}

const text = (frames: { bytes: Uint8Array }[]) => frames.map((f) => new TextDecoder().decode(f.bytes)).join("");

describe("maestro.v1", () => {
  test("welcome; join shows the restored screen, then live output with contiguous seqs; keystrokes reach the program", async () => {
    w = await startWeb();
    await w.home.ok(["new", "t", "--", "sh", "-c", "echo before-join; exec cat"]);
    await w.home.ok(["wait", "t", "--match", "before-join", "--timeout", "5s"]);
    const ws = await WsPeer.connect(w, { cookie: w.cookie });
    peers.push(ws);
    const welcome = await ws.hello();
    expect(welcome).toMatchObject({ type: "welcome", protocol: "maestro.v1", identity: { name: "operator", kind: "operator" }, window_bytes: 1048576 });
    ws.send({ type: "join", session: "t", cols: 100, rows: 30 });
    const joined = await ws.next();
    expect(joined).toMatchObject({ type: "joined", session: "t", cols: 100, rows: 30, read_only: false, resumed: false });
    const screen = await ws.next("screen");
    expect(screen.seq).toBe(joined.seq);
    const redraw = await ws.until((x) => x.kind === "binary");
    expect(redraw.kind === "binary" && redraw.seq).toBe(joined.seq);
    expect(new TextDecoder().decode((redraw as { bytes: Uint8Array }).bytes)).toContain("before-join");
    ws.keys("typed-over-ws\r");
    const live = await ws.outputUntil("typed-over-ws", 5000, { ack: true });
    expect(live[0]!.seq).toBe(joined.seq);
    for (let i = 1; i < live.length; i++) expect(live[i]!.seq).toBe(live[i - 1]!.seq + live[i - 1]!.bytes.byteLength);
    // The program got the keystrokes (cat echoes them back through the PTY).
    await w.home.ok(["wait", "t", "--match", "typed-over-ws", "--timeout", "5s"]);
    const ls = JSON.parse(await w.home.ok(["ls", "--json"]))[0];
    expect(ls).toMatchObject({ clients: 1, cols: 100, rows: 30 });
    const audit = JSON.parse(await w.home.ok(["audit", "--json"])) as { action: string; target: string; detail: string }[];
    expect(audit.some((e) => e.action === "session.attach" && e.target === "t" && e.detail.includes("from 127.0.0.1"))).toBe(true);
  });

  test("resize follows the smallest writable client; 0x0 and 100000x100000 are refused", async () => {
    w = await startWeb();
    await w.home.ok(["new", "r", "--", "sh", "-c", "exec cat"]);
    const { ws } = await joinedPeer(w, { session: "r" });
    ws.send({ type: "resize", cols: 60, rows: 20 });
    expect(await ws.next("resized")).toMatchObject({ cols: 60, rows: 20 });
    for (const [cols, rows] of [[0, 0], [100000, 100000]]) {
      ws.send({ type: "resize", cols, rows });
      const e = await ws.next("error");
      expect(e).toMatchObject({ code: "usage", exit: 2 });
      expect(e.message).toMatch(/"cols" must be an integer from 1 to 1000/);
    }
    expect(JSON.parse(await w.home.ok(["ls", "--json"]))[0]).toMatchObject({ cols: 60, rows: 20 });
    // A read-only client never resizes.
    const { ws: ro, joined } = await joinedPeer(w, { session: "r", read_only: true, cols: 30, rows: 10 });
    expect(joined).toMatchObject({ read_only: true, cols: 60, rows: 20 });
    ro.send({ type: "resize", cols: 20, rows: 5 });
    expect(await ro.next("resized")).toMatchObject({ cols: 60, rows: 20 });
  });

  test("a read-only join never types: told once, nothing reaches the program", async () => {
    w = await startWeb();
    await w.home.ok(["new", "ro", "--", "sh", "-c", "exec cat"]);
    const { ws } = await joinedPeer(w, { session: "ro", read_only: true });
    ws.keys("should-not-arrive\r");
    const e = await ws.next("error");
    expect(e).toMatchObject({ code: "forbidden", exit: 6 });
    expect(e.message).toContain("read-only");
    await w.home.ok(["type", "ro", "marker-after", "--enter"]);
    await w.home.ok(["wait", "ro", "--match", "marker-after", "--timeout", "5s"]);
    expect(await w.home.ok(["peek", "ro"])).not.toContain("should-not-arrive");
  });

  test("resume with since: exactly the bytes after since, no duplicate, no gap", async () => {
    w = await startWeb();
    // No terminal echo: only the program's own output is in the stream.
    await w.home.ok(["new", "s", "--", "sh", "-c", "stty -echo; echo READY; exec cat"]);
    await w.home.ok(["wait", "s", "--match", "READY", "--timeout", "5s"]);
    const { ws, joined } = await joinedPeer(w, { session: "s" });
    await ws.until((x) => x.kind === "binary"); // the redraw
    ws.keys("one\r");
    const first = await ws.outputUntil("one", 5000, { ack: true });
    const since = first.at(-1)!.seq + first.at(-1)!.bytes.byteLength;
    expect(first[0]!.seq).toBe(joined.seq);
    ws.close();
    // Output while nobody is there.
    await w.home.ok(["type", "s", "missed-while-away", "--enter"]);
    await w.home.ok(["wait", "s", "--match", "missed-while-away", "--timeout", "5s"]);
    const { ws: again, joined: rejoined } = await joinedPeer(w, { session: "s", since });
    expect(rejoined).toMatchObject({ resumed: true, seq: since });
    const got = await again.outputUntil("missed-while-away", 5000, { ack: true });
    expect(got[0]!.seq).toBe(since);
    expect(text(got)).not.toContain("one");
    expect(text(got)).toMatch(/^missed-while-away/);
    expect(again.items.some((x) => x.kind === "text" && x.msg.type === "screen")).toBe(false);
    // A since the ring no longer holds (or never held) gets a fresh screen instead.
    again.close();
    const { ws: third, joined: j3 } = await joinedPeer(w, { session: "s", since: 10 ** 12 });
    expect(j3).toMatchObject({ resumed: false });
    expect((await third.next("screen")).seq).toBe(j3.seq);
  });

  test("a client that never acks is stalled at the window; the program and a second client are unaffected; after acks a fresh screen resyncs it", async () => {
    // A window larger than the PTY's chunks, a ring smaller than the window: what the silent client
    // misses leaves the ring, so it must be redrawn.
    w = await startWeb("[sessions]\nring_bytes = 65536\n[web]\nwindow_bytes = 262144\n");
    await w.home.ok(["new", "f", "--", "sh", "-c", "read x; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 3000000; echo FLOOD''-DONE; exec cat"]);
    const { ws: slow } = await joinedPeer(w, { session: "f" });
    const { ws: fast } = await joinedPeer(w, { session: "f" });
    await fast.until((x) => x.kind === "binary");
    fast.keys("\r");
    // The acking client keeps up (or, past the ring, is redrawn) and sees the end.
    await fast.outputUntil("FLOOD-DONE", 20_000, { ack: true });
    await w.home.ok(["wait", "f", "--match", "FLOOD-DONE", "--timeout", "10s"]);
    // The silent one holds at most its window unacknowledged.
    const attached = JSON.parse(await w.home.ok(["ls", "--json"]))[0].attached as { id: string; backlog: number; stalled: boolean }[];
    const stalled = attached.filter((a) => a.stalled);
    expect(stalled).toHaveLength(1);
    expect(stalled[0]!.backlog).toBeLessThanOrEqual(262144);
    const received = slow.items.filter((x) => x.kind === "binary").reduce((n, x) => n + (x as { bytes: Uint8Array }).bytes.byteLength, 0);
    expect(received).toBeLessThanOrEqual(262144);
    expect(received).toBeGreaterThan(65536);
    // It acks what it has: what it missed left the ring, so it is redrawn, then live again.
    const last = slow.items.filter((x) => x.kind === "binary").at(-1) as { seq: number; bytes: Uint8Array };
    slow.items.length = 0;
    slow.send({ type: "ack", seq: last.seq + last.bytes.byteLength });
    const screen = await slow.next("screen", 5000);
    const redraw = await slow.until((x) => x.kind === "binary");
    expect((redraw as { seq: number }).seq).toBe(screen.seq);
    expect(new TextDecoder().decode((redraw as { bytes: Uint8Array }).bytes)).toContain("FLOOD-DONE");
    slow.send({ type: "ack", seq: screen.seq });
    slow.keys("after-resync\r");
    const after = await slow.outputUntil("after-resync", 5000, { ack: true });
    expect(after[0]!.seq).toBe(screen.seq);
  });

  test("the program's exit reaches the client as exit, then left", async () => {
    w = await startWeb();
    await w.home.ok(["new", "x", "--", "sh", "-c", "read x; exit 3"]);
    const { ws } = await joinedPeer(w, { session: "x" });
    await ws.until((x) => x.kind === "binary");
    ws.keys("\r");
    expect(await ws.next("exit")).toMatchObject({ code: 3, signal: null, restarting: false });
    expect(await ws.next("left")).toMatchObject({ session: "x", reason: "exited" });
  });

  test("subscribe pushes session, message and event updates", async () => {
    w = await startWeb();
    const ws = await WsPeer.connect(w, { cookie: w.cookie });
    peers.push(ws);
    await ws.hello();
    ws.send({ type: "subscribe", topics: ["sessions", "messages", "events"] });
    expect(await ws.next("subscribed")).toMatchObject({ topics: ["sessions", "messages", "events"] });
    await w.home.ok(["new", "p", "--", "sh", "-c", "exec cat"]);
    expect(await ws.next("session")).toMatchObject({ name: "p", session: { name: "p", state: "running" } });
    await w.home.ok(["send", "operator", "pushed"]);
    expect(await ws.next("message")).toMatchObject({ event: { kind: "message", event: "sent", to: ["operator"] } });
    expect((await ws.next("event")).event.kind).toBeDefined();
    await w.home.ok(["kill", "p", "--signal", "KILL"]);
    expect(await ws.until((x) => x.kind === "text" && x.msg.type === "session" && x.msg.session?.state === "exited")).toBeDefined();
  });
});
