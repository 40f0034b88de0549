/**
 * Load generators behind `maestro bench`, in the spirit of redis-benchmark: real connections to
 * the real daemon, request/response without pipelining, latencies timed per request.
 */
import { reachDaemon } from "../client/autostart.ts";
import type { Client } from "../client/connection.ts";
import { MaestroError } from "../protocol/errors.ts";

export interface LoadResult {
  n: number;
  seconds: number;
  rate: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Every latency, in the order they arrived (`maestro bench … --samples`): for aggregating runs. */
  latencies_ms?: number[];
}

export function summarize(latencies: number[], seconds: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { n: sorted.length, seconds: r3(seconds), rate: Math.round(sorted.length / seconds), p50_ms: r3(at(0.5)), p99_ms: r3(at(0.99)), max_ms: r3(at(1)), latencies_ms: latencies.map(r3) };
}

/** The identity benchmarks send to: created on first use, else given a fresh token (rotate). */
export async function benchSink(client: Client, name: string): Promise<string> {
  return (await client.request("register", { name, rotate: true })).token;
}

/** N durable sends over C connections, each waiting for its reply before the next. */
export async function sendLoad(opts: { connections: number; total: number; to: string; body: string }): Promise<LoadResult> {
  const clients = await Promise.all(Array.from({ length: opts.connections }, () => reachDaemon()));
  try {
    const latencies: number[] = [];
    let issued = 0;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        while (issued < opts.total) {
          issued++;
          const s = performance.now();
          await c.request("send", { to: [opts.to], body: opts.body });
          latencies.push(performance.now() - s);
        }
      }),
    );
    return summarize(latencies, (performance.now() - t0) / 1000);
  } finally {
    for (const c of clients) c.close();
  }
}

/** Send → `inbox --follow` latency: one sender at a fixed rate, one live subscriber. */
export async function followLatency(opts: { rate: number; total: number; to: string; token: string }): Promise<LoadResult> {
  const sender = await reachDaemon();
  const subscriber = await reachDaemon({ token: opts.token });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  try {
    const { reply } = subscriber.openStream("inbox", { follow: true, unread: true }, {
      event(e) {
        const body = (e as { body?: string }).body ?? "";
        const start = sentAt.get(body);
        if (start === undefined) return; // backlog from earlier runs
        latencies.push(performance.now() - start);
        sentAt.delete(body);
        if (latencies.length === opts.total) done();
      },
    });
    await reply;
    const interval = 1000 / opts.rate;
    const t0 = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < opts.total; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await Bun.sleep(wait);
      const body = `follow-${t0}-${i}`;
      sentAt.set(body, performance.now());
      sends.push(sender.request("send", { to: [opts.to], body }));
    }
    const timeout = setTimeout(done, 10_000);
    await finished;
    clearTimeout(timeout);
    await Promise.all(sends); // every send's reply, before the connection closes
    if (latencies.length < opts.total) {
      throw new MaestroError("timeout", `only ${latencies.length} of ${opts.total} messages reached the subscriber within 10 s`);
    }
    return summarize(latencies, (performance.now() - t0) / 1000);
  } finally {
    sender.close();
    subscriber.close();
  }
}

/** `inbox` query latency (the default listing, 50 rows) for one identity, sequentially. */
export async function inboxLatency(opts: { total: number; name: string }): Promise<LoadResult> {
  const client = await reachDaemon();
  try {
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < opts.total; i++) {
      const s = performance.now();
      await client.request("inbox", { name: opts.name, limit: 50 });
      latencies.push(performance.now() - s);
    }
    return summarize(latencies, (performance.now() - t0) / 1000);
  } finally {
    client.close();
  }
}
