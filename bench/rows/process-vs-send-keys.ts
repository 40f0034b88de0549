/**
 * A whole maestro client process (start, connect, hello, one request, reply, exit) against a
 * running daemon, versus a whole `tmux send-keys` process against a running tmux server. Runs
 * alternate, so drift on a shared machine lands on both sides alike. `status` is the round-trip
 * floor; `send` adds a durable commit.
 */
import { interleave, median, mustRun, percentile, startMaestro, startTmux, timeProcess, type Cell, type Row } from "../lib.ts";

function processRow(id: string, figure: string, args: string[], setup: string[][] = []): Row {
  return {
    id,
    figure,
    peer: "tmux",
    needs: ["tmux"],
    target: { better: "lower", ratio: 1.5 },
    async run({ quick, scope, log }) {
      const maestro = await startMaestro(scope);
      for (const s of setup) await mustRun(maestro.argv(...s), { env: maestro.env });
      // The session swallows the keys, so the screen never changes and tmux does the least work.
      const tmux = await startTmux(scope, "cat > /dev/null");
      const samplers = {
        maestro: () => timeProcess(maestro.argv(...args), maestro.env),
        tmux: () => timeProcess([...tmux.cmd, "send-keys", "-t", tmux.session, "x", ""], tmux.env),
      };
      // Warm-up: page cache, the daemon's first-request paths, tmux's first client.
      await interleave(samplers, quick ? 5 : 20);
      const n = quick ? 30 : 200;
      log(`${n} runs each, interleaved`);
      const samples = await interleave(samplers, n);
      return { maestro: msCell(samples.maestro), peer: msCell(samples.tmux) };
    },
  };
}

function msCell(ms: number[]): Cell {
  return { kind: "value", value: median(ms), unit: "ms", detail: `p99 ${percentile(ms, 99).toFixed(2)} ms, n=${ms.length}` };
}

export const statusVsSendKeys = processRow("status-vs-send-keys", "`maestro status` process vs `tmux send-keys` (median)", ["status"]);

export const sendVsSendKeys = processRow(
  "send-vs-send-keys",
  "`maestro send` process (durable) vs `tmux send-keys` (median)",
  ["send", "sink", "run the tests and report"],
  [["register", "sink"]],
);
