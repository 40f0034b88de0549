/**
 * Worker thread: copies the WAL back into the database on its own connection. Inside the daemon's
 * thread a checkpoint runs in whichever COMMIT crosses the threshold and stalls every client for
 * tens of milliseconds; here it runs beside the writes.
 *
 * PASSIVE checkpoints never block the writer, but under a steady stream of commits they never
 * catch it either, so the WAL would never rewind. When the writes pause, or past
 * `maxWalFrames` under sustained load, a RESTART checkpoint briefly holds writers off (the
 * remaining frames are only those since the last PASSIVE pass) so the next commit rewinds the WAL. RESTART, not TRUNCATE: the file keeps its
 * size and later commits overwrite it in place instead of extending it, which on ext4 would queue
 * each append behind the checkpoint's fsync of the database file.
 */
import { Database } from "bun:sqlite";

declare const self: Worker;

export interface CheckpointerInit {
  path: string;
  intervalMs: number;
  /** WAL frames in use past which a TRUNCATE checkpoint rewinds the log. */
  maxWalFrames: number;
}

let db: Database | undefined;
let timer: Timer | undefined;

self.onmessage = (e: MessageEvent<CheckpointerInit | "stop">) => {
  if (e.data === "stop") {
    clearInterval(timer);
    db?.close();
    postMessage("stopped");
    return;
  }
  const { path, intervalMs, maxWalFrames } = e.data;
  db = new Database(path, { readwrite: true });
  db.run("PRAGMA busy_timeout = 5000");
  // all(), not run(): step each to the end so no statement keeps a read snapshot that pins the WAL.
  const passive = db.query("PRAGMA wal_checkpoint(PASSIVE)");
  const restart = db.query("PRAGMA wal_checkpoint(RESTART)");
  let lastLog = -1;
  timer = setInterval(() => {
    try {
      const [r] = passive.all() as { log: number }[];
      const log = r?.log ?? 0;
      // RESTART holds writers off, and a waiting writer's busy handler sleeps in 5–25 ms steps:
      // rewind when the writes have paused (no new frames since the last tick), or past the cap.
      const idle = log === lastLog;
      lastLog = log;
      if ((idle && log > 0) || log > maxWalFrames) restart.all();
    } catch (err) {
      postMessage(`checkpoint failed: ${(err as Error).message}`);
    }
  }, intervalMs);
  postMessage("ready");
};
