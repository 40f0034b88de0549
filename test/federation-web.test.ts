/**
 * The dashboard's side of remote terminals: with federation on, the operator's `sessions`
 * subscription lists other hosts' sessions as `name@host`, and a maestro.v1 `join` of one goes
 * through the remote-terminal bridge (output with seqs, keystrokes, resize, acks, leave); an agent
 * token is refused (audited).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";
import { register } from "./msg-helpers.ts";
import { twoHosts, waitForName, type TwoHosts } from "./fed-helpers.ts";
import { login, WsPeer, type Web } from "./web-helpers.ts";

let hosts: TwoHosts;
let a: TestHome;
let b: TestHome;
let web: Web;

beforeAll(async () => {
  hosts = await twoHosts('remote_control = ["alpha"]');
  ({ a, b } = hosts);
  await waitForName(b, "operator@alpha");
  const { url } = JSON.parse(await a.ok(["web", "--listen", "127.0.0.1:0", "--json"])) as { url: string };
  const base = new URL(url).origin;
  web = { home: a, base, origin: base, cookie: await login(url) };
}, 60_000);
afterAll(async () => {
  await hosts?.stop();
});

const clientsOf = async (h: TestHome, name: string) => (JSON.parse(await h.ok(["ls", "--json"])) as { name: string; clients: number; cols: number }[]).find((x) => x.name === name)!;

describe("dashboard: remote sessions", () => {
  test("listed as name@host; join streams, types, resizes and leaves through the bridge", async () => {
    await b.ok(["new", "webr", "--", "sh", "-c", "echo remote-for-the-page; exec cat"]);
    await waitForName(a, "webr@beta");
    const ws = await WsPeer.connect(web, { cookie: web.cookie });
    try {
      await ws.hello();
      ws.send({ type: "subscribe", topics: ["sessions"] });
      const pushed = await ws.until((it) => it.kind === "text" && it.msg.type === "session" && it.msg.name === "webr@beta", 10_000);
      expect((pushed as { msg: { session: { state: string } } }).msg.session.state).toBe("running");
      ws.send({ type: "join", session: "webr@beta", cols: 77, rows: 22 });
      const joined = await ws.next("joined", 10_000);
      expect(joined).toMatchObject({ session: "webr@beta", read_only: false });
      await ws.outputUntil("remote-for-the-page", 10_000, { ack: true });
      ws.keys("from-the-browser\r");
      await ws.outputUntil("from-the-browser", 10_000, { ack: true });
      expect(await b.ok(["peek", "webr"])).toContain("from-the-browser");
      await waitFor(async () => (await clientsOf(b, "webr")).cols === 77);
      ws.send({ type: "resize", cols: 66, rows: 20 });
      await waitFor(async () => (await clientsOf(b, "webr")).cols === 66);
      ws.send({ type: "leave" });
      await ws.next("left");
      await waitFor(async () => (await clientsOf(b, "webr")).clients === 0);
    } finally {
      ws.close();
    }
  }, 60_000);

  test("flow control: a page that stops acking stalls its remote client at the window on the session's host; acking again catches up", async () => {
    await b.ok(["new", "flood", "--", "sh", "-c", "read x; yes 'flood line 0123456789 abcdefghij' | head -c 20000000; echo FLOOD''-END; exec cat"]);
    await waitForName(a, "flood@beta");
    const ws = await WsPeer.connect(web, { cookie: web.cookie });
    try {
      await ws.hello();
      ws.send({ type: "join", session: "flood@beta", cols: 80, rows: 24 });
      await ws.next("joined", 10_000);
      ws.keys("\r");
      // No acks: beta's client for alpha must stall at its window while the program runs on.
      const attachedOnB = async () => (JSON.parse(await b.ok(["ls", "--json"])) as { name: string; attached: { backlog: number; stalled: boolean }[] }[]).find((x) => x.name === "flood")!.attached;
      await waitFor(async () => (await attachedOnB()).some((c) => c.stalled), 20_000);
      const c = (await attachedOnB())[0]!;
      expect(c.backlog).toBeLessThanOrEqual(4 * 1024 * 1024); // a remote client's window: 4 × sessions.high_water_bytes
      await waitFor(async () => (await b.ok(["peek", "flood"])).includes("FLOOD-END"), 30_000);
      // Ack everything received so far, and keep acking: the end marker arrives (catch-up or a fresh screen).
      let text = "";
      const dec = new TextDecoder();
      const deadline = Date.now() + 30_000;
      while (!text.includes("FLOOD-END") && Date.now() < deadline) {
        const it = await ws.until((x) => x.kind === "binary", Math.max(1, deadline - Date.now()));
        if (it.kind !== "binary") continue;
        text = (text + dec.decode(it.bytes, { stream: true })).slice(-4096);
        ws.send({ type: "ack", seq: it.seq + it.bytes.byteLength });
      }
      expect(text).toContain("FLOOD-END");
      await waitFor(async () => !(await attachedOnB())[0]!.stalled);
    } finally {
      ws.close();
    }
  }, 90_000);

  test("an agent's token may not open another host's terminal (refused, audited)", async () => {
    const token = await register(a, "webagent");
    const ws = await WsPeer.connect(web);
    try {
      await ws.hello(token);
      ws.send({ type: "join", session: "webr@beta", cols: 80, rows: 24 });
      const e = await ws.next("error");
      expect(e).toMatchObject({ code: "forbidden", exit: 6 });
      const audit = JSON.parse(await a.ok(["audit", "--json", "--limit", "200"])) as { actor: string; action: string; outcome: string }[];
      expect(audit.some((r) => r.actor === "webagent" && r.action === "remote.attach" && r.outcome === "denied")).toBe(true);
    } finally {
      ws.close();
    }
  }, 30_000);
});
