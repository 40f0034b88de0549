/**
 * The floor under the durable-sends rows: what a Bun process pair can do over a Unix socket at
 * all, with maestro's own framing (src/protocol/frame.ts) and JSON bodies, and no work in
 * between — no checks, no store. Run as two processes, like the daemon and `maestro bench send`:
 *
 *     bun bench/floor/echo.ts server SOCKET            prints "ready" once listening
 *     bun bench/floor/echo.ts client SOCKET C N        prints {"rate", "p50_ms", "p99_ms"}
 *
 * The client sends the same request `maestro bench send` sends and waits for each reply before
 * the next (no pipelining), on C connections; the server answers each with a reply of the same
 * shape as the daemon's.
 */
import type { Socket } from "bun";
import { encodeFrame, FrameDecoder, FrameKind } from "../../src/protocol/frame.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (kind: FrameKind, body: unknown) => encodeFrame(kind, encoder.encode(JSON.stringify(body)));

function server(path: string): void {
  Bun.listen<FrameDecoder>({
    unix: path,
    socket: {
      open(s) {
        s.data = new FrameDecoder();
      },
      data(s: Socket<FrameDecoder>, chunk) {
        s.data.append(chunk);
        for (let f = s.data.next(); f; f = s.data.next()) {
          const req = JSON.parse(decoder.decode(f.payload)) as { id: number };
          s.write(json(FrameKind.REPLY, { id: req.id, result: { id: "1mz0000000000", recipients: ["sink"], duplicate: false } }));
        }
      },
    },
  });
  console.log("ready");
}

interface Conn {
  sock: Socket<undefined>;
  decoder: FrameDecoder;
  waiting: ((v: unknown) => void) | undefined;
}

async function client(path: string, connections: number, total: number): Promise<void> {
  const conns: Conn[] = [];
  for (let i = 0; i < connections; i++) {
    const conn = { decoder: new FrameDecoder(), waiting: undefined } as unknown as Conn;
    conn.sock = await Bun.connect({
      unix: path,
      socket: {
        data(_s, chunk) {
          conn.decoder.append(chunk);
          for (let f = conn.decoder.next(); f; f = conn.decoder.next()) {
            const w = conn.waiting;
            conn.waiting = undefined;
            w?.(JSON.parse(decoder.decode(f.payload)));
          }
        },
      },
    });
    conns.push(conn);
  }
  const latencies: number[] = [];
  let issued = 0;
  let id = 0;
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (c) => {
      while (issued < total) {
        issued++;
        const s = performance.now();
        const reply = new Promise((r) => (c.waiting = r));
        c.sock.write(json(FrameKind.REQUEST, { id: ++id, type: "send", args: { to: ["sink"], body: "run the tests and report" } }));
        await reply;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const c of conns) c.sock.end();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  console.log(JSON.stringify({ n: latencies.length, rate: Math.round(latencies.length / seconds), p50_ms: at(0.5), p99_ms: at(0.99) }));
}

const [mode, path, c, n] = process.argv.slice(2);
if (mode === "server" && path) server(path);
else if (mode === "client" && path) await client(path, Number(c ?? 1), Number(n ?? 10_000));
else {
  console.error("usage: echo.ts server SOCKET | client SOCKET CONNECTIONS REQUESTS");
  process.exit(2);
}
