/**
 * Send → live subscriber (`inbox --follow`) latency at a steady 1000 messages/s: a sender and a
 * subscriber connection in one `maestro bench follow` process, timed per message. SPEC §9 gives
 * an absolute target, p99 ≤ 1 ms; there is no peer.
 */
import { formatNumber, startMaestro, type Row } from "../lib.ts";
import { benchVerb } from "./bench-verb.ts";

const row: Row = {
  id: "follow-latency",
  figure: "send → `inbox --follow` latency p99 at 1000 msg/s",
  peer: "none",
  needs: [],
  target: { better: "lower", absolute: 1, unit: "ms" },
  async run({ quick, scope, log }) {
    const m = await startMaestro(scope);
    const n = quick ? 1000 : 10_000;
    log(`${n} messages at 1000/s`);
    const r = await benchVerb(m, ["follow", "--rate", "1000", "-n", String(n)]);
    return {
      maestro: { kind: "value", value: r.p99_ms, unit: "ms", detail: `p50 ${formatNumber(r.p50_ms)} ms, max ${formatNumber(r.max_ms)} ms, n=${r.n}` },
      peer: { kind: "missing", reason: "no peer (absolute target)" },
    };
  },
};

export default row;
