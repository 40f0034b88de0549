/**
 * Worker thread: copies the WAL back into the database on its own connection. Inside the daemon's
 * thread a checkpoint runs in whichever COMMIT crosses the threshold and stalls every client for
 * tens of milliseconds; here it runs beside the writes.
 *
 * What each kind of checkpoint costs the daemon's writes (measured with perf during `maestro bench
 * follow`, issue 16; docs/architecture.md):
 * - PASSIVE never takes the writer's lock, but its fsync of the WAL locks the WAL's dirty pages
 *   for writeback, and the daemon's next frame goes into the last of them (a frame is 4096 + 24
 *   bytes, so frames share pages): the daemon's write waits in D state until writeback lets go.
 *   The more there is to write back the longer that lasts, so while writes flow it runs every
 *   `intervalMs` (50 ms): many small fsyncs, not a few large ones.
 * - RESTART holds the writer's lock through a copy and the database's fsync; a commit arriving then
 *   sleeps in SQLite's busy handler (1, 2, 5, 10, 15, 20 ms steps). It is needed only when a
 *   PASSIVE could not copy everything (a reader held an old snapshot): once a PASSIVE has copied
 *   the whole log, the next commit rewinds the WAL by itself. Under a steady stream of commits that
 *   moment never comes, so past `maxWalFrames` a RESTART right after a PASSIVE (only the frames
 *   since) forces the rewind.
 * - Idle is judged by the clock (no new frame for `idleMs`). Two readings in a row were not enough:
 *   after a slow fsync two ticks ran back to back, saw equal frame counts under full load and ran
 *   a RESTART (a 300 ms stall, measured).
 * - The WAL keeps its size while writes come: cutting the file is an ftruncate of up to hundreds of
 *   MB (218 ms measured, inside a COMMIT on the daemon's thread), and the next commits would then
 *   extend the file block by block again. Only after `shrinkAfterMs` without a write does a
 *   TRUNCATE give the space back.
 */
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";

declare const self: Worker;

export interface CheckpointerInit {
  path: string;
  /** Ticks while writes flow. */
  intervalMs: number;
  /** WAL frames in use past which a RESTART forces the WAL to rewind under sustained writes. */
  maxWalFrames: number;
  /** No new WAL frame for this long: the writes have paused (ticks slow down to this). */
  idleMs?: number;
  /** No write for this long and the WAL file larger than `keepBytes`: TRUNCATE it. */
  shrinkAfterMs?: number;
  keepBytes?: number;
}

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

let db: Database | undefined;
let timer: Timer | undefined;
let stopped = false;

self.onmessage = (e: MessageEvent<CheckpointerInit | "stop">) => {
  if (e.data === "stop") {
    stopped = true;
    clearTimeout(timer);
    db?.close();
    postMessage("stopped");
    return;
  }
  const { path, intervalMs, maxWalFrames } = e.data;
  const idleMs = e.data.idleMs ?? 250;
  const shrinkAfterMs = e.data.shrinkAfterMs ?? 30_000;
  const keepBytes = e.data.keepBytes ?? 64 * 1024 * 1024;
  const conn = (db = new Database(path, { readwrite: true }));
  conn.run("PRAGMA busy_timeout = 5000");
  // all(), not run(): step each to the end so no statement keeps a read snapshot that pins the WAL.
  const passive = conn.query<CheckpointRow, []>("PRAGMA wal_checkpoint(PASSIVE)");
  const restart = conn.query<CheckpointRow, []>("PRAGMA wal_checkpoint(RESTART)");
  const truncate = conn.query<CheckpointRow, []>("PRAGMA wal_checkpoint(TRUNCATE)");
  let lastLog = -1;
  let changedAt = performance.now();
  let shrunk = false;
  const tick = () => {
    let idle = false;
    try {
      const r = passive.all()[0] ?? { busy: 0, log: 0, checkpointed: 0 };
      const now = performance.now();
      if (r.log !== lastLog) {
        lastLog = r.log;
        changedAt = now;
        shrunk = false;
      }
      idle = now - changedAt >= idleMs;
      const copiedAll = r.log >= 0 && r.checkpointed === r.log;
      if (r.log > maxWalFrames || (idle && r.log > 0 && !copiedAll)) {
        restart.all();
        lastLog = -1;
      } else if (!shrunk && now - changedAt >= shrinkAfterMs) {
        shrunk = true;
        if (walBytes(path) > keepBytes) truncate.all();
      }
    } catch (err) {
      postMessage(`checkpoint failed: ${(err as Error).message}`);
    }
    // setTimeout after the work, not setInterval: a slow fsync must not queue ticks back to back.
    if (!stopped) timer = setTimeout(tick, idle ? idleMs : intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  postMessage("ready");
};

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
