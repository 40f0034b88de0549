/**
 * Worker thread: copies the WAL back into the database (PASSIVE checkpoints) on its own
 * connection. Inside the daemon's thread a checkpoint would run in whichever COMMIT crossed the
 * threshold and stall every client for tens of milliseconds; here it runs beside the writes.
 */
import { Database } from "bun:sqlite";

declare const self: Worker;

export interface CheckpointerInit {
  path: string;
  intervalMs: number;
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
  const { path, intervalMs } = e.data;
  db = new Database(path, { readwrite: true });
  db.run("PRAGMA busy_timeout = 1000");
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  timer = setInterval(() => {
    try {
      checkpoint.run();
    } catch (err) {
      postMessage(`checkpoint failed: ${(err as Error).message}`);
    }
  }, intervalMs);
  postMessage("ready");
};
