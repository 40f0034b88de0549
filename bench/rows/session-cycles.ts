/**
 * Create/kill cycles per second, as a script would run them: `maestro new` + `maestro rm --force`
 * (two processes, the program started and hung up on) versus `tmux new-session -d` +
 * `tmux kill-session`. Alternating cycles, so drift lands on both.
 */
import { interleave, median, mustRun, startMaestro, startTmux, type Row } from "../lib.ts";

const row: Row = {
  id: "session-cycles",
  figure: "create/kill cycles per second (CLI: new + rm --force vs tmux new -d + kill-session)",
  peer: "tmux",
  needs: ["tmux"],
  target: { better: "higher", ratio: 1.0 },
  async run({ quick, scope, log }) {
    const maestro = await startMaestro(scope);
    const tmux = await startTmux(scope, "sleep 100000");
    let i = 0;
    const samplers = {
      maestro: async () => {
        const name = `c${i++}`;
        const t0 = performance.now();
        await mustRun(maestro.argv("new", name, "--", "sh"), { env: maestro.env });
        await mustRun(maestro.argv("rm", "--force", name), { env: maestro.env });
        return performance.now() - t0;
      },
      tmux: async () => {
        const name = `c${i++}`;
        const t0 = performance.now();
        await mustRun([...tmux.cmd, "new-session", "-d", "-s", name, "sh"], { env: tmux.env });
        await mustRun([...tmux.cmd, "kill-session", "-t", name], { env: tmux.env });
        return performance.now() - t0;
      },
    };
    await interleave(samplers, 5);
    const n = quick ? 20 : 150;
    log(`${n} cycles each, interleaved`);
    const s = await interleave(samplers, n);
    const rate = (ms: number[]) => ({ kind: "value" as const, value: 1000 / median(ms), unit: "cycles/s", detail: `median ${median(ms).toFixed(1)} ms, n=${ms.length}` });
    return { maestro: rate(s.maestro), peer: rate(s.tmux) };
  },
};

export default row;
