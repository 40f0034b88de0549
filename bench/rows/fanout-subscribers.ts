/**
 * 100 live subscribers (`inbox --follow`, one connection each) and a `*` broadcast at 100
 * messages/s: send → push latency per subscriber, in one `maestro bench fanout` process. SPEC §9's
 * send → live subscriber target (p99 ≤ 1 ms) holds for each of them, so the row judges the worst
 * subscriber's p99; the median subscriber's is in the detail. There is no peer.
 */
import { capture, firstLine, formatNumber, startMaestro, type Row } from "../lib.ts";

interface FanoutJson {
  n: number;
  p50_ms: number;
  max_ms: number;
  worst_subscriber_p99_ms: number;
  median_subscriber_p99_ms: number;
}

const row: Row = {
  id: "fanout-100-subscribers",
  figure: "`*` broadcast at 100 msg/s → 100 `inbox --follow` subscribers: worst subscriber's p99",
  peer: "none",
  needs: [],
  target: { better: "lower", absolute: 1, unit: "ms" },
  async run({ quick, scope, log }) {
    const m = await startMaestro(scope);
    const subscribers = quick ? 20 : 100;
    const n = quick ? 200 : 1000;
    log(`${subscribers} subscribers, ${n} broadcasts at 100/s`);
    // A daemon that falls behind answers the sends late: a figure (a miss), not a client timeout.
    const argv = m.argv("bench", "fanout", "--subscribers", String(subscribers), "--rate", "100", "-n", String(n), "--json");
    const r = await capture(argv, { env: { ...m.env, MAESTRO_TIMEOUT: "60s" }, timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`maestro bench fanout exited ${r.code}: ${firstLine(r.stderr)}`);
    const j = JSON.parse(r.stdout) as FanoutJson;
    return {
      maestro: {
        kind: "value",
        value: j.worst_subscriber_p99_ms,
        unit: "ms",
        detail: `median subscriber's p99 ${formatNumber(j.median_subscriber_p99_ms)} ms, p50 ${formatNumber(j.p50_ms)} ms, max ${formatNumber(j.max_ms)} ms, ${j.n} pushes`,
      },
      peer: { kind: "missing", reason: "no peer (absolute target)" },
    };
  },
};

export default row;
