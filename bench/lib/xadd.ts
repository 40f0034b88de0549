/**
 * The peer of the durable-sends rows and of their floors: Redis XADD (appendfsync everysec) at C
 * connections, sized to a run of a few seconds, and the msg/s cell both sides print.
 */
import type { Scope } from "./scope.ts";
import { sizedRun, type Sizing } from "./measure.ts";
import { redisBenchmark, startRedis, type Throughput } from "./redis.ts";
import { formatNumber } from "./report.ts";
import type { Cell } from "./types.ts";

/** Enough operations that a probe says something at this concurrency, and runs of a few seconds. */
export function xaddSizing(clients: number, quick: boolean): Sizing {
  return { probeN: Math.max(2_000, 200 * clients), seconds: quick ? 1 : 3, maxN: 2_000_000 };
}

export async function redisXaddCell(scope: Scope, clients: number, sizing: Sizing, log: (line: string) => void): Promise<Cell> {
  const redis = await startRedis(scope);
  const peer = await sizedRun((n) => redisBenchmark(redis, clients, n, ["XADD", "benchstream", "*", "field", "value"]), sizing);
  log(`redis: ${Math.round(peer.result.rate)} XADD/s over ${peer.n}`);
  return rateCell(peer.result, peer.n);
}

export function rateCell(t: Throughput, n: number): Cell {
  const latency = [t.p50_ms !== undefined && `p50 ${formatNumber(t.p50_ms)} ms`, t.p99_ms !== undefined && `p99 ${formatNumber(t.p99_ms)} ms`].filter(Boolean);
  return { kind: "value", value: t.rate, unit: "msg/s", detail: [...latency, `n=${n.toLocaleString("en-US")}`].join(", ") };
}
