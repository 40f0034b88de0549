/**
 * Attached throughput (SPEC §9: ≥ dtach, with screen tracking on). A program writes 80 MB of
 * text lines into its PTY while one client is attached; the client is a real PTY this process
 * reads as fast as it can. Timed from the keystroke that starts the program's output to the
 * moment the end marker it prints last reaches the client's terminal.
 */
import { interleave, median, mustRun, ptyClient, startDtach, startMaestro, startTmux, tempDir, waitFor, type Cell, type MaestroHome, type Row, type Scope } from "../lib.ts";

const BYTES = 80_000_000;
/** Waits for Enter, writes BYTES of 64-byte lines, then the marker (split so only the output contains it). */
const PROGRAM = `read x; yes 'the quick brown fox jumps over the lazy dog 0123456789 abcdefghij' | head -c ${BYTES}; echo "END""-MARK"; exec cat >/dev/null`;
const MARK = "END-MARK";

/**
 * A throughput row against one peer: maestro and peer rounds interleaved, each timed from the
 * keystroke to the end marker. `peerRound` sets the peer up once and returns one timed round.
 */
function throughputRow(spec: {
  id: string;
  figure: string;
  peer: string;
  needs: Row["needs"];
  /** The product's target against this peer: ≥ 1.1× dtach (a raw relay), ≥ 1.0× tmux. */
  ratio: number;
  peerRound(scope: Scope, maestro: MaestroHome): Promise<(name: string) => Promise<number>>;
}): Row {
  return {
    id: spec.id,
    figure: spec.figure,
    peer: spec.peer,
    needs: spec.needs,
    target: { better: "higher", ratio: spec.ratio },
    async run({ quick, scope, log }) {
      const rounds = quick ? 1 : 5;
      received.clear();
      const maestro = await startMaestro(scope);
      const peerRound = await spec.peerRound(scope, maestro);
      let n = 0;
      const samplers = {
        maestro: () => maestroRound(scope, maestro, `t${n++}`),
        peer: () => peerRound(`p${n++}`),
      };
      log(`${rounds} rounds of 80 MB each, interleaved`);
      const s = await interleave(samplers, rounds);
      return { maestro: rate(s.maestro, "maestro"), peer: rate(s.peer, spec.peer) };
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
    return async (name) => {
      const sock = `${dir}/${name}.sock`;
      const d = await startDtach(scope, sock, ["sh", "-c", PROGRAM]);
      const c = ptyClient(scope, ["dtach", "-a", sock, "-Ez"], maestro.env);
      await Bun.sleep(100); // dtach -a prints nothing until there is output: give it time to connect
      const ms = await typeAndTime(c, "dtach");
      await c.close();
      process.kill(d.pid, "SIGTERM");
      return ms;
    };
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
    return async (name) => {
      await mustRun([...tmux.cmd, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", PROGRAM], { env: tmux.env });
      const c = ptyClient(scope, [...tmux.cmd, "attach", "-t", name], tmux.env);
      await waitFor("tmux to draw", () => c.bytes > 0);
      const ms = await typeAndTime(c, "tmux");
      await c.close();
      await mustRun([...tmux.cmd, "kill-session", "-t", name], { env: tmux.env });
      return ms;
    };
  },
});

/** One maestro round: a session, a client attached in a PTY, the timed 80 MB, then both gone. */
async function maestroRound(scope: Scope, maestro: MaestroHome, name: string): Promise<number> {
  await maestro.run(["new", name, "--", "sh", "-c", PROGRAM]);
  const c = ptyClient(scope, maestro.argv("attach", name), maestro.env);
  await waitFor("the attach to draw", () => c.bytes > 0);
  const ms = await typeAndTime(c, "maestro");
  await c.close();
  await maestro.run(["rm", "--force", name]);
  return ms;
}

/** Bytes each client took in per round, by side: shows what was relayed and what was redrawn. */
const received = new Map<string, number[]>();

async function typeAndTime(c: ReturnType<typeof ptyClient>, side: string): Promise<number> {
  const t0 = performance.now();
  const start = c.bytes;
  const done = c.waitFor(MARK, t0, 120_000);
  c.type("\r");
  const ms = await done;
  received.set(side, [...(received.get(side) ?? []), c.bytes - start]);
  return ms;
}

/**
 * 80 MB over the median time to the marker. A maestro client that falls more than the ring behind
 * is sent a fresh screen instead of the bytes it missed (by design: the program never waits for
 * it), so the detail says how many bytes the client actually took in.
 */
function rate(ms: number[], side: string): Cell {
  const m = median(ms);
  const got = median(received.get(side) ?? [0]);
  return {
    kind: "value",
    value: BYTES / 1e6 / (m / 1000),
    unit: "MB/s",
    detail: `median of ${ms.length}, ${(m / 1000).toFixed(2)} s; client took in ${(got / 1e6).toFixed(1)} MB`,
  };
}

export default row;
