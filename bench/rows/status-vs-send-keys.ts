/**
 * The round-trip floor under every `maestro send`: a whole `maestro status` process (start,
 * connect, hello, one request, reply, exit) against a running daemon, versus a whole
 * `tmux send-keys` process against a running tmux server. Runs alternate, so drift on a shared
 * machine lands on both sides alike.
 */
import { interleave, median, percentile, startMaestro, startTmux, timeProcess, type Cell, type Row } from "../lib.ts";

const row: Row = {
  id: "status-vs-send-keys",
  figure: "`maestro status` process vs `tmux send-keys` (median)",
  peer: "tmux",
  needs: ["tmux"],
  target: { better: "lower", ratio: 1.5 },
  async run({ quick, scope, log }) {
    const maestro = await startMaestro(scope);
    // The session swallows the keys, so the screen never changes and tmux does the least work.
    const tmux = await startTmux(scope, "cat > /dev/null");
    const samplers = {
      maestro: () => timeProcess(maestro.argv("status"), maestro.env),
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

function msCell(ms: number[]): Cell {
  return { kind: "value", value: median(ms), unit: "ms", detail: `p99 ${percentile(ms, 99).toFixed(2)} ms, n=${ms.length}` };
}

export default row;
