/**
 * Scale load generators behind `maestro bench` (SPEC §9's scale rows): many live subscribers of a
 * `*` broadcast, and many registered identities. Real connections, real durable messages.
 */
import { reachDaemon } from "../client/autostart.ts";
import type { Client } from "../client/connection.ts";
import { MaestroError } from "../protocol/errors.ts";
import { summarize, type LoadResult } from "./loadgen.ts";

export interface FanoutResult extends LoadResult {
  subscribers: number;
  /** Each subscriber's own p99, in subscriber order. */
  subscriber_p99_ms: number[];
  worst_subscriber_p99_ms: number;
  median_subscriber_p99_ms: number;
}

/** Runs `fn` over 0…n-1 with at most `width` in flight. */
async function pool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/**
 * `subscribers` identities each following their inbox on its own connection; one sender sends
 * `*` (everyone but the sender) at `rate`; every push is timed per subscriber.
 */
export async function fanoutLatency(opts: { subscribers: number; rate: number; total: number }): Promise<FanoutResult> {
  const clients: Client[] = [];
  const admin = await reachDaemon();
  clients.push(admin);
  try {
    const tokens: string[] = [];
    await pool(opts.subscribers, 16, async (i) => {
      tokens[i] = (await admin.request("register", { name: `bench-fan-${i}`, rotate: true })).token;
    });
    const sentAt = new Map<string, number>();
    const pending = new Map<string, number>();
    const per: number[][] = tokens.map(() => []);
    let received = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await pool(opts.subscribers, 16, async (i) => {
      const sub = await reachDaemon({ token: tokens[i] });
      clients.push(sub);
      const { reply } = sub.openStream("inbox", { follow: true, unread: true }, {
        event(e) {
          const body = (e as { body?: string }).body ?? "";
          const start = sentAt.get(body);
          if (start === undefined) return; // backlog from earlier runs
          per[i]!.push(performance.now() - start);
          const left = pending.get(body)! - 1;
          if (left === 0) {
            sentAt.delete(body);
            pending.delete(body);
          } else pending.set(body, left);
          if (++received === opts.total * opts.subscribers) done();
        },
      });
      await reply;
    });
    const interval = 1000 / opts.rate;
    const t0 = performance.now();
    const sends: Promise<unknown>[] = [];
    let failed: unknown;
    for (let i = 0; i < opts.total && failed === undefined; i++) {
      const wait = t0 + i * interval - performance.now();
      if (wait > 1) await Bun.sleep(wait);
      const body = `fanout-${t0}-${i}`;
      pending.set(body, opts.subscribers);
      sentAt.set(body, performance.now());
      sends.push(admin.request("send", { to: ["*"], body }).catch((err: unknown) => void (failed ??= err)));
    }
    // A daemon behind by seconds still has its figure measured (a miss), within a bound.
    const timeout = setTimeout(done, failed === undefined ? 30_000 : 0);
    await finished;
    clearTimeout(timeout);
    await Promise.all(sends);
    if (failed !== undefined) throw failed;
    if (received < opts.total * opts.subscribers) {
      throw new MaestroError("timeout", `only ${received} of ${opts.total * opts.subscribers} pushes reached the subscribers within 30 s`);
    }
    const all = summarize(per.flat(), (performance.now() - t0) / 1000);
    const p99s = per.map((l) => summarize(l, 1).p99_ms);
    const sorted = [...p99s].sort((a, b) => a - b);
    return {
      ...all,
      subscribers: opts.subscribers,
      subscriber_p99_ms: p99s,
      worst_subscriber_p99_ms: sorted.at(-1) ?? 0,
      median_subscriber_p99_ms: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

/** Registers `count` identities `bench-id-<i>` (an existing one gets a fresh token); how long it took. */
export async function registerIdentities(count: number): Promise<{ n: number; seconds: number }> {
  const client = await reachDaemon();
  try {
    const t0 = performance.now();
    await pool(count, 32, async (i) => {
      await client.request("register", { name: `bench-id-${i}`, rotate: true });
    });
    return { n: count, seconds: Math.round(performance.now() - t0) / 1000 };
  } finally {
    client.close();
  }
}
