/**
 * Whole processes, start to exit, against a running server: a maestro client (start, connect,
 * hello, one request, reply, exit) versus `tmux send-keys` against a running tmux server, and
 * versus the floor of any Bun process, a compiled-Bun hello-world (lib/bunfloor.ts). Runs
 * alternate, so drift on a shared machine lands on both sides alike. `status` is the round-trip
 * floor; `send` adds a durable commit. The floor's own row against tmux shows how much of the
 * tmux target any Bun program can reach at all.
 */
import { buildBunFloor, interleave, median, mustRun, percentile, startMaestro, startTmux, timeProcess, type Cell, type Row, type RowContext } from "../lib.ts";

type Side = "maestro" | "peer";
type Samplers = Record<Side, () => Promise<number>>;

function processRow(row: Omit<Row, "run">, samplers: (ctx: RowContext) => Promise<Samplers>): Row {
  return {
    ...row,
    async run(ctx) {
      const s = await samplers(ctx);
      // Warm-up: page cache, the daemon's first-request paths, tmux's first client.
      await interleave(s, ctx.quick ? 5 : 20);
      const n = ctx.quick ? 30 : 200;
      ctx.log(`${n} runs each, interleaved`);
      const samples = await interleave(s, n);
      return { maestro: msCell(samples.maestro), peer: msCell(samples.peer) };
    },
  };
}

/** A maestro daemon with `setup` run once, and one verb timed as a whole process. */
async function maestroVerb({ scope }: RowContext, args: string[], setup: string[][]): Promise<() => Promise<number>> {
  const maestro = await startMaestro(scope);
  for (const s of setup) await mustRun(maestro.argv(...s), { env: maestro.env });
  return () => timeProcess(maestro.argv(...args), maestro.env);
}

async function sendKeys({ scope }: RowContext): Promise<() => Promise<number>> {
  // The session swallows the keys, so the screen never changes and tmux does the least work.
  const tmux = await startTmux(scope, "cat > /dev/null");
  return () => timeProcess([...tmux.cmd, "send-keys", "-t", tmux.session, "x", ""], tmux.env);
}

async function bunFloor({ scope }: RowContext): Promise<() => Promise<number>> {
  const argv = await buildBunFloor(scope);
  return () => timeProcess(argv, {});
}

function msCell(ms: number[]): Cell {
  return { kind: "value", value: median(ms), unit: "ms", detail: `p99 ${percentile(ms, 99).toFixed(2)} ms, n=${ms.length}` };
}

const SEND = ["send", "sink", "run the tests and report"];
const SINK = [["register", "sink"]];

export const statusVsSendKeys = processRow(
  { id: "status-vs-send-keys", figure: "`maestro status` process vs `tmux send-keys` (median)", peer: "tmux", needs: ["tmux"], target: { better: "lower", ratio: 1.5 } },
  async (ctx) => ({ maestro: await maestroVerb(ctx, ["status"], []), peer: await sendKeys(ctx) }),
);

export const sendVsSendKeys = processRow(
  { id: "send-vs-send-keys", figure: "`maestro send` process (durable) vs `tmux send-keys` (median)", peer: "tmux", needs: ["tmux"], target: { better: "lower", ratio: 1.5 } },
  async (ctx) => ({ maestro: await maestroVerb(ctx, SEND, SINK), peer: await sendKeys(ctx) }),
);

export const bunFloorVsSendKeys = processRow(
  {
    id: "bun-floor-vs-send-keys",
    figure: "compiled-Bun hello-world process (the floor under any `maestro` process) vs `tmux send-keys` (median)",
    peer: "tmux",
    needs: ["tmux"],
    target: { better: "lower", ratio: 1.5 },
  },
  async (ctx) => ({ maestro: await bunFloor(ctx), peer: await sendKeys(ctx) }),
);

export const sendVsBunFloor = processRow(
  {
    id: "send-vs-bun-floor",
    figure: "`maestro send` process (durable) vs the compiled-Bun hello-world floor (median)",
    peer: "bun hello-world",
    needs: [],
    target: { better: "lower", ratio: 1.3 },
  },
  async (ctx) => ({ maestro: await maestroVerb(ctx, SEND, SINK), peer: await bunFloor(ctx) }),
);
