/**
 * The 80 MB flood the attached-throughput rows share (terminal, tmux, WebSocket): the program,
 * the timed round from the keystroke that starts it to the end marker reaching the client, the
 * rounds for `maestro attach` and dtach, and the MB/s cell.
 */
import type { MaestroHome } from "./maestro.ts";
import { mustRun, waitFor, type Env } from "./proc.ts";
import { ptyClient } from "./ptyclient.ts";
import type { Scope } from "./scope.ts";
import { startDtach } from "./dtach.ts";
import { median } from "./stats.ts";
import type { Cell } from "./types.ts";

export const FLOOD_BYTES = 80_000_000;
/** Waits for Enter, writes FLOOD_BYTES of 64-byte lines, then the marker (split so only the output contains it). */
export const FLOOD_PROGRAM = `read x; yes 'the quick brown fox jumps over the lazy dog 0123456789 abcdefghij' | head -c ${FLOOD_BYTES}; echo "END""-MARK"; exec cat >/dev/null`;
export const FLOOD_MARK = "END-MARK";

/** Any client the rounds drive: a PTY client or a WebSocket client. */
export interface FloodClient {
  readonly bytes: number;
  type(text: string): void;
  waitFor(marker: string, since: number, timeoutMs: number): Promise<number>;
}

/** Starts the flood and times it to the marker; `got` gets the bytes the client took in. */
export async function timedFlood(c: FloodClient, got: number[]): Promise<number> {
  const t0 = performance.now();
  const start = c.bytes;
  const done = c.waitFor(FLOOD_MARK, t0, 120_000);
  c.type("\r");
  const ms = await done;
  got.push(c.bytes - start);
  return ms;
}

/** One `maestro attach` round: a session, a client attached in a PTY, the timed flood, then both gone. */
export async function attachFloodRound(scope: Scope, m: MaestroHome, name: string, got: number[]): Promise<number> {
  await mustRun(m.argv("new", name, "--", "sh", "-c", FLOOD_PROGRAM), { env: m.env });
  const c = ptyClient(scope, m.argv("attach", name), m.env);
  await waitFor("the attach to draw", () => c.bytes > 0);
  const ms = await timedFlood(c, got);
  await c.close();
  await mustRun(m.argv("rm", "--force", name), { env: m.env });
  return ms;
}

/** One dtach round: a detached dtach master under `dir`, a `dtach -a` client in a PTY, the timed flood. */
export async function dtachFloodRound(scope: Scope, dir: string, name: string, env: Env, got: number[]): Promise<number> {
  const sock = `${dir}/${name}.sock`;
  const d = await startDtach(scope, sock, ["sh", "-c", FLOOD_PROGRAM]);
  const c = ptyClient(scope, ["dtach", "-a", sock, "-Ez"], env);
  await Bun.sleep(100); // dtach -a prints nothing until there is output: give it time to connect
  const ms = await timedFlood(c, got);
  await c.close();
  process.kill(d.pid, "SIGTERM");
  return ms;
}

/**
 * FLOOD_BYTES over the median time to the marker. A maestro client that falls more than the ring
 * behind is sent a fresh screen instead of the bytes it missed (by design: the program never
 * waits for it), so the detail says how many bytes the client actually took in.
 */
export function floodRate(ms: number[], got: number[]): Cell {
  const m = median(ms);
  return {
    kind: "value",
    value: FLOOD_BYTES / 1e6 / (m / 1000),
    unit: "MB/s",
    detail: `median of ${ms.length}, ${(m / 1000).toFixed(2)} s; client took in ${(median(got.length > 0 ? got : [0]) / 1e6).toFixed(1)} MB`,
  };
}
