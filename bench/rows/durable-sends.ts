/**
 * Durable sends per second at C connections: `maestro bench send` against Redis XADD with the
 * append-only file fsynced every second (SPEC §9). Shared by the c=1 and c=50 rows.
 */
import {
  firstLine, rateCell, redisXaddCell, sizedRun, startMaestro, xaddSizing,
  type Cell, type MaestroHome, type Row, type Sizing, type Throughput,
} from "../lib.ts";

export function durableSendsRow(clients: number): Row {
  return {
    id: `redis-xadd-c${clients}`,
    figure: `durable sends/s, c=${clients}, vs \`redis-benchmark -c ${clients} XADD\``,
    peer: "redis",
    needs: ["redis-server", "redis-benchmark", "redis-cli"],
    target: { better: "higher", ratio: 1.0 },
    async run({ quick, scope, log }) {
      const sizing = xaddSizing(clients, quick);
      const peer = await redisXaddCell(scope, clients, sizing, log);
      const maestro = await startMaestro(scope);
      return { maestro: await maestroCell(maestro, clients, sizing), peer };
    },
  };
}

async function maestroCell(m: MaestroHome, clients: number, sizing: Sizing): Promise<Cell> {
  try {
    const run = await sizedRun((n) => benchSend(m, clients, n), sizing);
    const cell = rateCell(run.result, run.n);
    return cell.kind === "value" ? { ...cell, detail: `${cell.detail}; ${DURABLE}` } : cell;
  } catch (err) {
    return { kind: "missing", reason: `error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** `maestro bench send -c C -n N --json` → `{"rate": …, "p50_ms": …, "p99_ms": …}`. */
async function benchSend(m: MaestroHome, clients: number, n: number): Promise<Throughput> {
  const r = await m.run(["bench", "send", "-c", String(clients), "-n", String(n), "--json"], 120_000);
  if (r.code !== 0) throw new Error(`maestro bench send exited ${r.code}: ${firstLine(r.stderr)}`);
  return parseBenchSend(r.stdout);
}

function parseBenchSend(stdout: string): Throughput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`maestro bench send printed no JSON: ${firstLine(stdout)}`);
  }
  const o = (parsed ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const rate = num(o.rate);
  if (rate === undefined || rate <= 0) throw new Error(`maestro bench send: no positive "rate" in ${firstLine(stdout)}`);
  return { rate, p50_ms: num(o.p50_ms), p99_ms: num(o.p99_ms) };
}

/** What "durable" means on maestro's side of the row: each send is acknowledged only after its COMMIT. */
const DURABLE = "acked after COMMIT (WAL, synchronous=NORMAL): survives kill -9 of the daemon (test/crash.test.ts)";

