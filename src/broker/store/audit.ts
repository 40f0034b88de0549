/**
 * The audit table: append-only, read newest first. Ids are time-ordered (ms × 1024 + counter, as
 * message ids), so "since" and pruning are primary-key ranges and a record costs one B-tree.
 */
import type { Database } from "bun:sqlite";
import type { AuditEntry } from "../../protocol/requests.ts";

/** An audit row as stored: `at` in epoch milliseconds. */
type StoredEntry = { [K in keyof AuditEntry]: K extends "at" ? number : AuditEntry[K] };

export function prepareStatements(db: Database) {
  return {
    insert: db.query<never, StoredEntry & { id: number }>("INSERT INTO audit (id, at, actor, action, target, outcome, detail) VALUES ($id, $at, $actor, $action, $target, $outcome, $detail)"),
    maxId: db.query<{ id: number | null }, []>("SELECT max(id) AS id FROM audit"),
    /** A slice of what is older than the cutoff: pruning never holds the write lock for long. */
    prune: db.query<never, [beforeId: number, limit: number]>("DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE id < ? ORDER BY id LIMIT ?)"),
    since: db.query<StoredEntry, [sinceId: number, limit: number]>("SELECT at, actor, action, target, outcome, detail FROM audit WHERE id >= ? ORDER BY id DESC LIMIT ?"),
  };
}

export class AuditStore {
  private readonly s: ReturnType<typeof prepareStatements>;

  private last: number;

  constructor(db: Database) {
    this.s = prepareStatements(db);
    this.last = this.s.maxId.get()!.id ?? 0;
  }

  /**
   * `at` stays epoch milliseconds in the table. The id is at × 1024 (or one past the last id, if
   * the clock went back or 1024 records share a millisecond): ids only grow. Run inside a write.
   */
  insert(e: StoredEntry): void {
    const id = (this.last = Math.max(e.at * 1024, this.last + 1));
    this.s.insert.run({ id, at: e.at, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, detail: e.detail });
  }

  /** Deletes up to `limit` records older than `before` (epoch ms, by id time); returns how many. */
  prune(before: number, limit: number): number {
    return this.s.prune.run(before * 1024, limit).changes;
  }

  list(since: number, limit: number): AuditEntry[] {
    return this.s.since.all(since * 1024, limit).map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
  }
}
