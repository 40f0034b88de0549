/**
 * Attach → restored screen with 10,000 lines of history, versus `tmux attach`. Each sample starts
 * a client process in a real PTY and stops the clock when the session's last line (a marker) has
 * reached that terminal. What each side draws differs, and the detail says so: maestro clears the
 * screen, puts `sessions.attach_history_lines` (default 1000) lines of history into the outer
 * terminal's own scrollback, then draws the screen (~6 KB here; a re-attach from the same terminal
 * gets only the new lines, but every sample is a new terminal); tmux draws only the visible screen
 * (~0.9 KB) and keeps its history inside the server (copy mode).
 */
import { interleave, median, mustRun, percentile, ptyClient, startMaestro, startTmux, type Cell, type Row } from "../lib.ts";

/** 10,000 lines, then the marker (split so only the output contains it), then idle. */
const PROGRAM = `seq 1 10000; echo "READY""-MARK"; exec cat >/dev/null`;
const MARK = "READY-MARK";

const row: Row = {
  id: "attach-latency",
  figure: "attach → restored screen, 10,000 lines of history (median)",
  peer: "tmux",
  needs: ["tmux"],
  target: { better: "lower", ratio: 1.0 },
  async run({ quick, scope, log }) {
    const maestro = await startMaestro(scope);
    await mustRun(maestro.argv("new", "h", "--", "sh", "-c", PROGRAM), { env: maestro.env });
    await mustRun(maestro.argv("wait", "h", "--match", MARK, "--timeout", "10s"), { env: maestro.env });
    const tmux = await startTmux(scope, "sleep 100000");
    // tmux keeps 2000 lines by default: give it the same 10,000 to hold.
    await mustRun([...tmux.cmd, "set-option", "-g", "history-limit", "10000"], { env: tmux.env });
    await mustRun([...tmux.cmd, "new-session", "-d", "-s", "h", "-x", "80", "-y", "24", PROGRAM], { env: tmux.env });
    const attachOnce = async (argv: string[], env: Record<string, string>) => {
      const t0 = performance.now();
      const c = ptyClient(scope, argv, env);
      const ms = await c.waitFor(MARK, t0, 10_000);
      drawn[argv[0] === "tmux" ? "tmux" : "maestro"].push(c.bytes);
      await c.close();
      return ms;
    };
    const drawn = { maestro: [] as number[], tmux: [] as number[] };
    const samplers = {
      maestro: () => attachOnce(maestro.argv("attach", "h"), maestro.env),
      tmux: () => attachOnce([...tmux.cmd, "attach", "-t", "h"], tmux.env),
    };
    await interleave(samplers, 3); // warm-up
    const n = quick ? 5 : 30;
    log(`${n} attaches each, interleaved`);
    const s = await interleave(samplers, n);
    return {
      maestro: ms(s.maestro, `draws 1000 history lines into the terminal's scrollback + the screen, ${kb(drawn.maestro)} KB`),
      peer: ms(s.tmux, `draws the screen only, ${kb(drawn.tmux)} KB`),
    };
  },
};

function ms(samples: number[], draws: string): Cell {
  return { kind: "value", value: median(samples), unit: "ms", detail: `p99 ${percentile(samples, 99).toFixed(1)} ms, n=${samples.length}; ${draws}` };
}

/** The median bytes a client had received when the marker reached it. */
function kb(bytes: number[]): string {
  return (median(bytes) / 1024).toFixed(1);
}

export default row;
