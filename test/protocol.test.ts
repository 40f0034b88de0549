import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FrameDecoder, FrameKind, encodeFrame } from "../src/protocol/frame.ts";
import { encodeJson } from "../src/protocol/messages.ts";
import { RawPeer, TestHome, alive, rssBytes } from "./helpers.ts";

// Short timeouts so the silent-client cases finish quickly.
const h = new TestHome({ config: "[daemon]\nhello_timeout_ms = 300\nframe_timeout_ms = 300\n" });
let pid: number;

beforeAll(async () => {
  pid = await h.start();
});
afterAll(() => h.cleanup());

/** A well-behaved client must still be served after each abuse. */
async function stillServes(): Promise<void> {
  expect(alive(pid)).toBe(true);
  const peer = await RawPeer.connect(h.socket);
  peer.hello();
  expect(await peer.next(FrameKind.WELCOME)).toMatchObject({ protocol: 1, pid, identity: { name: "operator" } });
  peer.request(1, "status");
  expect(await peer.next(FrameKind.REPLY)).toMatchObject({ id: 1, result: { pid } });
  peer.end();
}

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

describe("the wire, against a real daemon", () => {
  test("hello → welcome → request → reply, with the request's id", async () => {
    const p = await RawPeer.connect(h.socket);
    p.hello();
    const w = await p.next(FrameKind.WELCOME);
    expect(w).toMatchObject({ protocol: 1, pid, features: [], identity: { name: "operator", kind: "operator" } });
    p.request(41, "status");
    p.request(42, "status");
    const replies = [await p.next(FrameKind.REPLY), await p.next(FrameKind.REPLY)];
    expect(replies.map((r) => r.id).sort()).toEqual([41, 42]);
    p.end();
  });

  test("garbage bytes: error, connection closed, others unaffected", async () => {
    const p = await RawPeer.connect(h.socket);
    p.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const e = await p.next(FrameKind.ERROR);
    expect(e).toMatchObject({ code: "protocol", fatal: true, exit: 1 });
    expect(e.message).toMatch(/exceeds the maximum/);
    await p.waitClosed();
    await stillServes();
  });

  test("a 2 GiB length prefix is refused at once, before any allocation", async () => {
    const p = await RawPeer.connect(h.socket);
    p.write(u32(0x80000000));
    expect((await p.next(FrameKind.ERROR)).message).toMatch(/frame of 2147483647 bytes exceeds the maximum of 65536/);
    await p.waitClosed();
    // after hello the limit is 16 MiB, still enforced
    const q = await RawPeer.connect(h.socket);
    q.hello();
    await q.next(FrameKind.WELCOME);
    q.write(u32(0x80000000));
    expect((await q.next(FrameKind.ERROR)).message).toMatch(/exceeds the maximum of 16777216/);
    await q.waitClosed();
    await stillServes();
  });

  test("a request before hello: error and close", async () => {
    const p = await RawPeer.connect(h.socket);
    p.request(1, "status");
    const e = await p.next(FrameKind.ERROR);
    expect(e).toMatchObject({ code: "protocol", fatal: true });
    expect(e.message).toMatch(/first frame must be a hello/);
    await p.waitClosed();
    expect(p.frames.filter((f) => f.kind === FrameKind.REPLY)).toHaveLength(0);
  });

  test("an unknown request type: error naming the request id; the connection stays usable", async () => {
    const p = await RawPeer.connect(h.socket);
    p.hello();
    await p.next(FrameKind.WELCOME);
    p.request(9, "teleport", { to: "mars" });
    const e = await p.next(FrameKind.ERROR);
    expect(e).toMatchObject({ id: 9, code: "unknown_request", exit: 2 });
    expect(e.fatal).toBeUndefined();
    expect(e.message).toMatch(/unknown request type "teleport"/);
    p.request(10, "status");
    expect(await p.next(FrameKind.REPLY)).toMatchObject({ id: 10 });
    p.end();
  });

  test("an unknown frame kind, invalid JSON, a bad field, a second hello, a server-only kind: error and close", async () => {
    const cases: [string, (p: RawPeer) => void, RegExp][] = [
      ["unknown kind", (p) => p.write(new Uint8Array([0, 0, 0, 1, 0x42])), /unknown frame kind 0x42/],
      ["invalid json", (p) => p.write(encodeFrame(FrameKind.HELLO, new TextEncoder().encode("{oops"))), /valid UTF-8 JSON/],
      ["bad field", (p) => p.write(encodeJson(FrameKind.HELLO, { protocol: "one" } as never)), /"protocol" must be a uint32/],
      ["zero length", (p) => p.write(u32(0)), /length 0/],
    ];
    for (const [name, send, why] of cases) {
      const p = await RawPeer.connect(h.socket);
      send(p);
      const e = await p.next(FrameKind.ERROR);
      expect(e.message, name).toMatch(why);
      await p.waitClosed();
    }
    for (const [name, send, why] of [
      ["hello twice", (p: RawPeer) => p.hello(), /hello sent twice/],
      ["server-only kind", (p: RawPeer) => p.write(encodeJson(FrameKind.REPLY, { id: 1, result: 1 })), /may not send frame kind 0x04/],
      ["request with non-object args", (p: RawPeer) => p.write(encodeJson(FrameKind.REQUEST, { id: 1, type: "status", args: 5 } as never)), /"args"/],
    ] as const) {
      const p = await RawPeer.connect(h.socket);
      p.hello();
      await p.next(FrameKind.WELCOME);
      send(p);
      expect((await p.next(FrameKind.ERROR)).message, name).toMatch(why);
      await p.waitClosed();
    }
    await stillServes();
  });

  test("a client that connects and sends nothing is closed after the hello timeout; others are served meanwhile", async () => {
    const silent = await RawPeer.connect(h.socket);
    await stillServes();
    expect(silent.closed).toBe(false);
    const e = await silent.next(FrameKind.ERROR);
    expect(e.message).toMatch(/no hello within 300 ms/);
    await silent.waitClosed();
  });

  test("a truncated frame left hanging is closed after the frame timeout", async () => {
    const p = await RawPeer.connect(h.socket);
    p.hello();
    await p.next(FrameKind.WELCOME);
    const full = encodeJson(FrameKind.REQUEST, { id: 1, type: "status", args: {} });
    p.write(full.subarray(0, full.byteLength - 3));
    await stillServes();
    expect((await p.next(FrameKind.ERROR)).message).toMatch(/incomplete frame for 300 ms/);
    await p.waitClosed();
    expect(p.frames.filter((f) => f.kind === FrameKind.REPLY)).toHaveLength(0);
  });

  test("clients that disconnect mid-frame, mid-hello or right after a request leave the daemon serving", async () => {
    for (let i = 0; i < 20; i++) {
      const p = await RawPeer.connect(h.socket);
      const hello = encodeJson(FrameKind.HELLO, { protocol: 1, client: "x" });
      if (i % 3 === 0) p.write(hello.subarray(0, 7));
      else if (i % 3 === 1) {
        p.write(hello);
        p.write(u32(1000));
      } else {
        p.write(hello);
        p.request(1, "status");
      }
      p.end();
    }
    await stillServes();
  });

  test("another protocol version gets one error naming both versions and what to run", async () => {
    const p = await RawPeer.connect(h.socket);
    p.hello(99);
    const e = await p.next(FrameKind.ERROR);
    expect(e).toMatchObject({ code: "incompatible", exit: 5, fatal: true, details: { client_protocol: 99, daemon_protocol: 1 } });
    expect(e.message).toMatch(/client speaks protocol 99 but the daemon .* speaks protocol 1; run `maestro daemon restart`/);
    await p.waitClosed();
  });

  test("memory stays bounded under abuse: 200 hostile connections leave RSS within a few MiB", async () => {
    await stillServes();
    const before = rssBytes(pid);
    const peers = await Promise.all(Array.from({ length: 200 }, () => RawPeer.connect(h.socket)));
    peers.forEach((p, i) => {
      if (i % 2 === 0) {
        // the most a stranger may park: a frame just under the pre-hello cap, never finished
        p.write(u32(65536));
        p.write(new Uint8Array(60_000));
      } else {
        p.write(u32(0x7fffffff));
        p.write(new Uint8Array(64 * 1024));
      }
    });
    await Promise.all(peers.map((p) => p.waitClosed()));
    const after = rssBytes(pid);
    // 200 × 64 KiB = 12.5 MiB is the most that could be parked; allow it plus slack.
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
    await stillServes();
  });
});

describe("the CLI against a daemon of another protocol version", () => {
  test("exits 5 with one line naming both versions and `maestro daemon restart`", async () => {
    const fake = new TestHome();
    // A stand-in for an older daemon: speaks the frame format, answers every hello with protocol 0.
    const server = Bun.listen<{ d: FrameDecoder }>({
      unix: fake.socket,
      socket: {
        open(s) {
          s.data = { d: new FrameDecoder() };
        },
        data(s, chunk) {
          for (const f of s.data.d.push(chunk)) {
            if (f.kind !== FrameKind.HELLO) continue;
            s.write(
              encodeJson(FrameKind.ERROR, {
                code: "incompatible",
                exit: 5,
                fatal: true,
                message: "this client speaks protocol 1 but the daemon (maestro 0.0.1) speaks protocol 0; run `maestro daemon restart` to start a daemon from the same build as the client",
              }),
            );
            s.end();
          }
        },
      },
    });
    try {
      const r = await fake.run(["status"]);
      expect(r.code).toBe(5);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/protocol 1 .* protocol 0; run `maestro daemon restart`/);
      expect(r.stderr).not.toMatch(/at .*\.ts/); // no stack trace
    } finally {
      server.stop(true); // also removes the socket file
      await fake.cleanup();
    }
  });
});

describe("connection cap", () => {
  test("past daemon.max_connections a new client gets `unavailable` (exit 5) and the others keep working", async () => {
    const capped = new TestHome({ config: "[daemon]\nmax_connections = 3\n[limits]\noperator_reserved_connections = 0\n" });
    try {
      await capped.start();
      const peers = await Promise.all([1, 2, 3].map(() => RawPeer.connect(capped.socket)));
      for (const p of peers) {
        p.hello();
        await p.next(FrameKind.WELCOME);
      }
      const extra = await RawPeer.connect(capped.socket);
      extra.hello();
      expect(await extra.next(FrameKind.ERROR)).toMatchObject({ code: "unavailable", exit: 5, fatal: true });
      await extra.waitClosed();
      peers[0]!.request(1, "status");
      expect(await peers[0]!.next(FrameKind.REPLY)).toMatchObject({ id: 1 });
      peers.forEach((p) => p.end());
    } finally {
      await capped.cleanup();
    }
  });
});
