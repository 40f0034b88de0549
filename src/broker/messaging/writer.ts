/**
 * Group commit: every write asked for within one tick of the event loop runs in one SQLite
 * transaction, each inside its own savepoint so one failing op cannot take the others down (a
 * batch of one, or of replayable ops only, needs none: see flushOne and flushReplayable).
 * Callers' promises settle only after COMMIT — durable before acknowledged — and there is one
 * commit per tick however many connections sent, instead of one per message.
 */
import type { Database, Statement } from "bun:sqlite";

interface Op {
  run(): unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  replayable: boolean;
}

export interface WriteOptions {
  /**
   * The op may run twice, the first run's writes rolled back (its only effects are SQL and
   * values it would set again: a send's insert, an audit record). A batch of nothing else skips
   * the savepoints (two statements per op: a seventh of a send's SQL at 50 connections); if an
   * op throws there, the transaction is rolled back and the batch runs again with savepoints.
   */
  replayable?: boolean;
}

export class Writer {
  private queue: Op[] = [];
  private scheduled = false;
  // Compiled once (db.query caches them, and close() finalizes them): db.run(sql) would compile
  // each statement again on every batch.
  private readonly sql: Record<"begin" | "savepoint" | "release" | "rollbackTo" | "commit" | "rollback", Statement>;

  constructor(db: Database) {
    this.sql = {
      begin: db.query("BEGIN IMMEDIATE"),
      savepoint: db.query("SAVEPOINT op"),
      release: db.query("RELEASE op"),
      rollbackTo: db.query("ROLLBACK TO op"),
      commit: db.query("COMMIT"),
      rollback: db.query("ROLLBACK"),
    };
  }

  write<T>(run: () => T, opts: WriteOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject, replayable: opts.replayable === true });
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
    if (ops.length === 1) {
      this.flushOne(ops[0]!);
      return;
    }
    if (ops.every((op) => op.replayable) && this.flushReplayable(ops)) return;
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      const { begin, savepoint, release, rollbackTo, commit } = this.sql;
      begin.run();
      for (const op of ops) {
        savepoint.run();
        try {
          results.push({ ok: true, value: op.run() });
          release.run();
        } catch (err) {
          rollbackTo.run();
          release.run();
          results.push({ ok: false, value: err });
        }
      }
      commit.run();
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing of this batch is stored.
      try {
        this.sql.rollback.run();
      } catch {
        // no transaction left to roll back
      }
      for (const op of ops) op.reject(err);
      return;
    }
    ops.forEach((op, i) => (results[i]!.ok ? op.resolve(results[i]!.value) : op.reject(results[i]!.value)));
  }

  /**
   * A batch of one (every send at one connection): no savepoint, since rolling the whole
   * transaction back undoes exactly that op — two statements fewer per commit.
   */
  private flushOne(op: Op): void {
    let value: unknown;
    try {
      this.sql.begin.run();
    } catch (err) {
      op.reject(err);
      return;
    }
    try {
      value = op.run();
    } catch (err) {
      this.rollback();
      op.reject(err);
      return;
    }
    try {
      this.sql.commit.run();
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing is stored.
      this.rollback();
      op.reject(err);
      return;
    }
    op.resolve(value);
  }

  /**
   * Every op replayable: one transaction, no savepoints. False when an op threw (or BEGIN
   * failed): everything was rolled back and nothing settled, so the caller runs the batch again
   * with savepoints. A failed COMMIT fails the batch, as on the savepoint path.
   */
  private flushReplayable(ops: Op[]): boolean {
    const values: unknown[] = [];
    try {
      this.sql.begin.run();
    } catch {
      return false;
    }
    try {
      for (const op of ops) values.push(op.run());
    } catch {
      this.rollback();
      return false;
    }
    try {
      this.sql.commit.run();
    } catch (err) {
      this.rollback();
      for (const op of ops) op.reject(err);
      return true;
    }
    ops.forEach((op, i) => op.resolve(values[i]));
    return true;
  }

  private rollback(): void {
    try {
      this.sql.rollback.run();
    } catch {
      // no transaction left to roll back
    }
  }
}
