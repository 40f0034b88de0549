/**
 * Send → live subscriber (`inbox --follow`) latency at a steady 1000 messages/s: a sender and a
 * subscriber connection in one `maestro bench follow` process, timed per message. SPEC §9 gives
 * an absolute target, p99 ≤ 1 ms; there is no peer.
 *
 * A tail shows up in some runs and not others (a checkpoint's fsync, the machine's other load), so
 * the row runs 10 times against one daemon and judges the p99 of all the samples together; the
 * detail lists each run's p99/max and the max over all runs. After each run, the same rate goes
 * through a bare Bun Unix-socket relay (no store, no protocol): the floor this machine's
 * scheduling sets at that moment, shown beside the figure (the target stays absolute).
 */
import { formatNumber, percentile, startMaestro, startRelayFloor, type Row } from "../lib.ts";
import { benchVerb } from "./bench-verb.ts";

const row: Row = {
  id: "follow-latency",
  figure: "send → `inbox --follow` latency p99 at 1000 msg/s (10 runs)",
  peer: "none",
  needs: [],
  target: { better: "lower", absolute: 1, unit: "ms" },
  async run({ quick, scope, log }) {
    const m = await startMaestro(scope);
    const floor = await startRelayFloor(scope);
    const floorRuns: string[] = [];
    const runs = quick ? 3 : 10;
    const n = quick ? 1000 : 10_000;
    const all: number[] = [];
    const each: string[] = [];
    for (let i = 0; i < runs; i++) {
      log(`run ${i + 1}/${runs}: ${n} messages at 1000/s`);
      const r = await benchVerb(m, ["follow", "--rate", "1000", "-n", String(n), "--samples"]);
      if (!r.latencies_ms || r.latencies_ms.length !== r.n) throw new Error("maestro bench follow --samples printed no latencies");
      all.push(...r.latencies_ms);
      each.push(`${formatNumber(r.p99_ms)}/${formatNumber(r.max_ms)}`);
      const f = await floor.run(1000, n);
      floorRuns.push(`${formatNumber(f.p99_ms)}/${formatNumber(f.max_ms)}`);
    }
    const max = all.reduce((a, b) => Math.max(a, b), 0);
    return {
      maestro: {
        kind: "value",
        value: percentile(all, 99),
        unit: "ms",
        detail: `p50 ${formatNumber(percentile(all, 50))} ms, max ${formatNumber(max)} ms over ${runs}×${n}; each run p99/max ms: ${each.join(", ")}; bare relay floor, same runs: ${floorRuns.join(", ")}`,
      },
      peer: { kind: "missing", reason: "no peer (absolute target)" },
    };
  },
};

export default row;
