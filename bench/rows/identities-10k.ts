/**
 * Send latency with 10,000 registered identities versus 10 (SPEC §9: "send latency unchanged"):
 * two daemons, one with each, measured interleaved — the `send` as a whole process, and the c=1
 * load generator's p50 (p99 in the detail). Nothing on a send's path should grow with the number
 * of identities it does not address.
 */
import { formatNumber, interleave, median, mustRun, percentile, startMaestro, timeProcess, type Cell, type MaestroHome, type Row, type Scope } from "../lib.ts";
import { benchVerb } from "./bench-verb.ts";

const MANY = 10_000;
const FEW = 10;

async function homes(scope: Scope, quick: boolean, log: (line: string) => void): Promise<{ many: MaestroHome; few: MaestroHome; manyN: number }> {
  const manyN = quick ? 1000 : MANY;
  const many = await startMaestro(scope);
  const few = await startMaestro(scope);
  log(`registering ${manyN} identities in one daemon, ${FEW} in the other`);
  await mustRun(many.argv("bench", "identities", "-n", String(manyN), "--json"), { env: many.env, timeoutMs: 300_000 });
  await mustRun(few.argv("bench", "identities", "-n", String(FEW), "--json"), { env: few.env });
  for (const m of [many, few]) await mustRun(m.argv("register", "sink"), { env: m.env });
  return { many, few, manyN };
}

function msCell(ms: number[], what: string): Cell {
  return { kind: "value", value: median(ms), unit: "ms", detail: `${what}; p99 ${formatNumber(percentile(ms, 99))} ms, n=${ms.length}` };
}

export const identitiesSendProcess: Row = {
  id: "identities-10k-send-process",
  figure: "`maestro send` process (median) with 10,000 identities vs with 10",
  peer: "maestro, 10 identities",
  needs: [],
  target: { better: "lower", ratio: 1.1 },
  async run({ quick, scope, log }) {
    const { many, few, manyN } = await homes(scope, quick, log);
    const argv = ["send", "sink", "run the tests and report"];
    const samplers = { many: () => timeProcess(many.argv(...argv), many.env), few: () => timeProcess(few.argv(...argv), few.env) };
    await interleave(samplers, quick ? 5 : 20); // warm-up
    const s = await interleave(samplers, quick ? 30 : 200);
    return { maestro: msCell(s.many, `${manyN} identities`), peer: msCell(s.few, `${FEW} identities`) };
  },
};

export const identitiesSendC1: Row = {
  id: "identities-10k-send-c1",
  figure: "durable send latency p50, c=1 load generator, with 10,000 identities vs with 10",
  peer: "maestro, 10 identities",
  needs: [],
  target: { better: "lower", ratio: 1.1 },
  async run({ quick, scope, log }) {
    const { many, few, manyN } = await homes(scope, quick, log);
    const n = quick ? 500 : 5000;
    const p50 = { many: [] as number[], few: [] as number[] };
    const p99 = { many: [] as number[], few: [] as number[] };
    // Alternating rounds, so drift on a shared machine lands on both daemons alike.
    for (let round = 0; round < (quick ? 2 : 5); round++) {
      for (const [k, m] of [["many", many], ["few", few]] as const) {
        const r = await benchVerb(m, ["send", "-c", "1", "-n", String(n)]);
        p50[k].push(r.p50_ms);
        p99[k].push(r.p99_ms);
      }
    }
    const cell = (k: "many" | "few", ids: number): Cell => ({
      kind: "value",
      value: median(p50[k]),
      unit: "ms",
      detail: `${ids} identities; p99 ${formatNumber(median(p99[k]))} ms (medians of ${p50[k].length} runs × ${n})`,
    });
    return { maestro: cell("many", manyN), peer: cell("few", FEW) };
  },
};
