/**
 * `inbox` query latency with 1,000,000 stored messages (SPEC §9: p99 ≤ 5 ms). The store is filled
 * through the daemon with real durable sends (`maestro bench send -c 50`), then the default
 * listing is timed request by request. There is no peer.
 */
import { formatNumber, startMaestro, type Row } from "../lib.ts";
import { benchVerb } from "./bench-verb.ts";

const row: Row = {
  id: "inbox-1m",
  figure: "`inbox` query p99 with 1,000,000 stored messages",
  peer: "none",
  needs: [],
  target: { better: "lower", absolute: 5, unit: "ms" },
  async run({ quick, scope, log }) {
    const m = await startMaestro(scope);
    const stored = quick ? 100_000 : 1_000_000;
    log(`storing ${stored.toLocaleString("en-US")} messages`);
    const fill = await benchVerb(m, ["send", "-c", "50", "-n", String(stored)], 600_000);
    log(`stored at ${Math.round(fill.rate)} msg/s; timing inbox`);
    const r = await benchVerb(m, ["inbox", "-n", quick ? "200" : "2000"]);
    return {
      maestro: { kind: "value", value: r.p99_ms, unit: "ms", detail: `p50 ${formatNumber(r.p50_ms)} ms, ${stored.toLocaleString("en-US")} stored, n=${r.n}` },
      peer: { kind: "missing", reason: "no peer (absolute target)" },
    };
  },
};

export default row;
