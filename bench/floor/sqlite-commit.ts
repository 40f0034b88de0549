/**
 * The store's floor under the c=1 durable-sends row: one bun:sqlite transaction per message, as
 * maestro must do when one message is in flight (its ack waits for its own COMMIT), with
 * maestro's durability settings (WAL, synchronous=NORMAL) and the two rows a one-recipient send
 * cannot do without (the message, its delivery). No socket, no checks, no other index. As in
 * the daemon, the commits never checkpoint (wal_autocheckpoint=0): a worker thread on its own
 * connection runs a PASSIVE checkpoint every 50 ms, as src/workers/checkpointer.ts does while
 * writes flow.
 * Usage: bun sqlite-commit.ts <db file> <n>; prints {n, rate, p50_ms, p99_ms}.
 */
import { Database } from "bun:sqlite";

declare const self: Worker;

if (!Bun.isMainThread) {
  self.onmessage = (e: MessageEvent<string>) => {
    const db = new Database(e.data);
    db.exec("PRAGMA busy_timeout=5000");
    const passive = db.query("PRAGMA wal_checkpoint(PASSIVE)");
    const timer = setInterval(() => passive.run(), 50);
    self.onmessage = () => {
      clearInterval(timer);
      db.close();
      postMessage("stopped");
    };
  };
} else await main();

async function main(): Promise<void> {
  const [file, nText] = process.argv.slice(2);
  if (!file || !nText) throw new Error("usage: sqlite-commit.ts <db file> <n>");
  const n = Number(nText);
  const db = new Database(file);
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0");
  db.exec("CREATE TABLE m (id INTEGER PRIMARY KEY, sender TEXT, body TEXT, created_at INTEGER)");
  db.exec("CREATE TABLE d (recipient TEXT, id INTEGER, status TEXT, PRIMARY KEY (recipient, id)) WITHOUT ROWID");
  const begin = db.query("BEGIN IMMEDIATE");
  const commit = db.query("COMMIT");
  const message = db.query("INSERT INTO m (sender, body, created_at) VALUES (?, ?, ?)");
  const delivery = db.query("INSERT INTO d (recipient, id, status) VALUES (?, ?, 'queued')");
  const checkpointer = new Worker(import.meta.url);
  checkpointer.postMessage(file);
  const latencies = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    begin.run();
    const { lastInsertRowid } = message.run("alice", `message ${i}`, Date.now());
    delivery.run("bob", lastInsertRowid);
    commit.run();
    latencies[i] = performance.now() - t;
  }
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((resolve) => {
    checkpointer.onmessage = () => resolve();
    checkpointer.postMessage("stop");
  });
  checkpointer.terminate();
  db.close();
  latencies.sort();
  const at = (q: number) => Number(latencies[Math.min(n - 1, Math.floor(q * n))]!.toFixed(4));
  console.log(JSON.stringify({ n, rate: Math.round(n / seconds), p50_ms: at(0.5), p99_ms: at(0.99) }));
}
