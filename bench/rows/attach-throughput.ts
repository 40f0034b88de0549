/**
 * Attached throughput (≥ 1.1× dtach, with screen tracking on). A program writes 80 MB of
 * text lines into its PTY while one client is attached; the client is a real PTY this process
 * reads as fast as it can. Timed from the keystroke that starts the program's output to the
 * moment the end marker it prints last reaches the client's terminal.
 */
import { attachFloodRound, dtachFloodRound, FLOOD_PROGRAM, floodRate, interleave, mustRun, ptyClient, startMaestro, startTmux, tempDir, timedFlood, waitFor, type MaestroHome, type Row, type Scope } from "../lib.ts";

/**
 * A throughput row against one peer: maestro and peer rounds interleaved, each timed from the
 * keystroke to the end marker. `peerRound` sets the peer up once and returns one timed round,
 * which adds the bytes its client took in to `got`.
 */
function throughputRow(spec: {
  id: string;
  figure: string;
  peer: string;
  needs: Row["needs"];
  /** The product's target against this peer: ≥ 1.1× dtach (a raw relay), ≥ 1.0× tmux. */
  ratio: number;
  peerRound(scope: Scope, maestro: MaestroHome): Promise<(name: string, got: number[]) => Promise<number>>;
}): Row {
  return {
    id: spec.id,
    figure: spec.figure,
    peer: spec.peer,
    needs: spec.needs,
    target: { better: "higher", ratio: spec.ratio },
    async run({ quick, scope, log }) {
      const rounds = quick ? 1 : 5;
      const maestro = await startMaestro(scope);
      const peerRound = await spec.peerRound(scope, maestro);
      const got = { maestro: [] as number[], peer: [] as number[] };
      let n = 0;
      const samplers = {
        maestro: () => attachFloodRound(scope, maestro, `t${n++}`, got.maestro),
        peer: () => peerRound(`p${n++}`, got.peer),
      };
      log(`${rounds} rounds of 80 MB each, interleaved`);
      const s = await interleave(samplers, rounds);
      return { maestro: floodRate(s.maestro, got.maestro), peer: floodRate(s.peer, got.peer) };
    },
  };
}

const row = throughputRow({
  id: "attach-throughput",
  figure: "attached throughput, program writes 80 MB (client: a real PTY)",
  peer: "dtach",
  needs: ["dtach"],
  ratio: 1.1,
  async peerRound(scope, maestro) {
    const dir = tempDir(scope, "mbd");
    return (name, got) => dtachFloodRound(scope, dir, name, maestro.env, got);
  },
});

/** Same 80 MB under tmux, for reference: tmux redraws a screen rather than relaying bytes. */
export const attachThroughputTmux = throughputRow({
  id: "attach-throughput-tmux",
  figure: "attached throughput, program writes 80 MB, vs tmux (client: a real PTY)",
  peer: "tmux",
  needs: ["tmux"],
  ratio: 1.0,
  async peerRound(scope) {
    const tmux = await startTmux(scope, "sleep 100000");
    return async (name, got) => {
      await mustRun([...tmux.cmd, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", FLOOD_PROGRAM], { env: tmux.env });
      const c = ptyClient(scope, [...tmux.cmd, "attach", "-t", name], tmux.env);
      await waitFor("tmux to draw", () => c.bytes > 0);
      const ms = await timedFlood(c, got);
      await c.close();
      await mustRun([...tmux.cmd, "kill-session", "-t", name], { env: tmux.env });
      return ms;
    };
  },
});

export default row;
