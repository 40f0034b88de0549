/**
 * Group commit: every write asked for within one tick of the event loop runs in one SQLite
 * transaction, each inside its own savepoint so one failing op cannot take the others down.
 * Callers' promises settle only after COMMIT — durable before acknowledged — and there is one
 * commit per tick however many connections sent, instead of one per message.
 */
import type { Database } from "bun:sqlite";

interface Op {
  run(): unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export class Writer {
  private queue: Op[] = [];
  private scheduled = false;

  constructor(private readonly db: Database) {}

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs everything queued now; used by the tick and before shutdown. */
  flush(): void {
    this.scheduled = false;
    const ops = this.queue;
    if (ops.length === 0) return;
    this.queue = [];
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.run("BEGIN IMMEDIATE");
      for (const op of ops) {
        this.db.run("SAVEPOINT op");
        try {
          results.push({ ok: true, value: op.run() });
          this.db.run("RELEASE op");
        } catch (err) {
          this.db.run("ROLLBACK TO op");
          this.db.run("RELEASE op");
          results.push({ ok: false, value: err });
        }
      }
      this.db.run("COMMIT");
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing of this batch is stored.
      try {
        this.db.run("ROLLBACK");
      } catch {
        // no transaction left to roll back
      }
      for (const op of ops) op.reject(err);
      return;
    }
    ops.forEach((op, i) => (results[i]!.ok ? op.resolve(results[i]!.value) : op.reject(results[i]!.value)));
  }
}
