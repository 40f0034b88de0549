/**
 * Protocol fuzzer: many connections send random bytes, huge length prefixes, half frames, and
 * valid frames in random orders with random field values. The daemon must stay up, keep its
 * memory bounded and serve a normal client afterwards.
 *
 *   bun scripts/fuzz.ts [--frames 100000] [--connections 50] [--seed 1]
 *
 * runs against a fresh daemon in a temporary home and prints its figures. The test suite runs a
 * short, seeded round of the same generator (test/fuzz.test.ts).
 */
import { FrameKind, encodeFrame } from "../src/protocol/frame.ts";
import { encodeJson } from "../src/protocol/messages.ts";

/** mulberry32: a small seeded PRNG, so a failing run can be replayed exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = ["status", "send", "inbox", "read", "ack", "reply", "thread", "history", "search", "dead", "group", "whoami", "register", "purge", "blob.get", "message.wait", "audit", "metrics", "nope", ""];
const KINDS = Object.values(FrameKind);

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 2 ** (r() * 60));
    case 3: return r() * 1e6;
    case 4: return "x".repeat(Math.floor(r() * 40));
    case 5: return ["*", "@g", "operator", "../../etc", "\u0000", "a".repeat(70), "0000000000a", "🙂"][Math.floor(r() * 8)];
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const key of ["to", "body", "subject", "ids", "id", "name", "limit", "since", "ttl_ms", "follow", "meta", "attachments", "query", "action", "members", "for", "timeout_ms", "priority"]) {
        if (r() < 0.3) o[key] = randomValue(r, depth + 1);
      }
      return o;
    }
  }
}

/** A well-framed request of a random type with random arguments: reaches the handlers. */
export function randomRequest(r: () => number, id: number): Uint8Array {
  const args = randomValue(r);
  return encodeJson(FrameKind.REQUEST, {
    id,
    type: TYPES[Math.floor(r() * TYPES.length)]!,
    args: (args && typeof args === "object" && !Array.isArray(args) ? args : {}) as Record<string, unknown>,
  });
}

/** One chunk of abuse for a connection that may or may not have said hello. */
export function abuse(r: () => number, id: number): Uint8Array {
  const pick = r();
  if (pick < 0.15) return crypto.getRandomValues(new Uint8Array(1 + Math.floor(r() * 200))); // garbage
  if (pick < 0.25) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, 0x01000000 + Math.floor(r() * 0xfe000000)); // huge length prefix
    return b;
  }
  if (pick < 0.35) {
    const f = encodeJson(FrameKind.REQUEST, { id, type: "status", args: {} });
    return f.subarray(0, 1 + Math.floor(r() * (f.byteLength - 1))); // half a frame
  }
  if (pick < 0.45) {
    const kind = KINDS[Math.floor(r() * KINDS.length)]!;
    return encodeFrame(kind, crypto.getRandomValues(new Uint8Array(Math.floor(r() * 64)))); // a valid header, junk body
  }
  if (pick < 0.55) return encodeJson(FrameKind.HELLO, { protocol: r() < 0.8 ? 1 : Math.floor(r() * 9), client: "fuzz", ...(r() < 0.2 ? { token: String(randomValue(r)) } : {}) });
  const args = randomValue(r);
  return encodeJson(FrameKind.REQUEST, {
    id: r() < 0.9 ? id : Math.floor(r() * 2 ** 32),
    type: TYPES[Math.floor(r() * TYPES.length)]!,
    args: (args && typeof args === "object" && !Array.isArray(args) ? args : {}) as Record<string, unknown>,
  });
}

export interface FuzzResult {
  frames: number;
  seconds: number;
  connections: number;
  closedByDaemon: number;
}

/** Runs `frames` chunks of abuse over `connections` sockets; reconnects whatever the daemon closes. */
export async function fuzz(socket: string, opts: { frames: number; connections: number; seed: number }): Promise<FuzzResult> {
  const r = prng(opts.seed);
  let sent = 0;
  let closedByDaemon = 0;
  const t0 = performance.now();
  const worker = async (w: number) => {
    while (sent < opts.frames) {
      let open = true;
      let answers = 0;
      const sock = await Bun.connect({ unix: socket, socket: { data: () => void answers++, close: () => void (open = false), error: () => void (open = false) } });
      // Half the connections are hostile at the framing level; the other half say hello and then
      // send only well-framed requests with random arguments, so the handlers see them all.
      const wellFramed = r() < 0.5;
      if (wellFramed || r() < 0.7) sock.write(encodeJson(FrameKind.HELLO, { protocol: 1, client: "fuzz" }));
      for (let i = 0; i < 50 && open && sent < opts.frames; i++) {
        sock.write(wellFramed ? randomRequest(r, w * 1_000_000 + i) : abuse(r, w * 1_000_000 + i));
        sent++;
        if (i % 10 === 0) await Bun.sleep(0);
      }
      // Let the daemon answer before hanging up, so the requests are really handled.
      for (let t = 0; wellFramed && open && answers === 0 && t < 100; t++) await Bun.sleep(1);
      if (open) sock.end();
      else closedByDaemon++;
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, (_, w) => worker(w)));
  return { frames: sent, seconds: (performance.now() - t0) / 1000, connections: opts.connections, closedByDaemon };
}

if (import.meta.main) {
  const { mkdtempSync, rmSync, readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const home = mkdtempSync("/tmp/mf-");
  const bin = join(import.meta.dir, "..", "dist", "maestro");
  const env = { ...process.env, MAESTRO_HOME: home };
  const run = (...a: string[]) => Bun.spawnSync([bin, ...a], { env });
  const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024;
  try {
    run("daemon", "start");
    const pid = Number(readFileSync(join(home, "daemon.lock"), "utf8"));
    run("register", "target");
    const before = rss(pid);
    const res = await fuzz(join(home, "maestro.sock"), { frames: arg("frames", 100_000), connections: arg("connections", 50), seed: arg("seed", 1) });
    const after = rss(pid);
    const ok = run("status", "--json").exitCode === 0;
    console.log(JSON.stringify({ ...res, frames_per_s: Math.round(res.frames / res.seconds), rss_before_mib: +(before / 2 ** 20).toFixed(1), rss_after_mib: +(after / 2 ** 20).toFixed(1), daemon_alive_and_serving: ok }));
    process.exitCode = ok ? 0 : 1;
  } finally {
    run("daemon", "stop");
    rmSync(home, { recursive: true, force: true });
  }
}
