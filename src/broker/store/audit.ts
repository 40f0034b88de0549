/** The audit table: append-only, read newest first. */
import type { Database } from "bun:sqlite";
import type { AuditEntry } from "../../protocol/requests.ts";

/** An audit row as stored: `at` in epoch milliseconds. */
type StoredEntry = { [K in keyof AuditEntry]: K extends "at" ? number : AuditEntry[K] };

export function prepareStatements(db: Database) {
  return {
    insert: db.query<never, StoredEntry>("INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES ($at, $actor, $action, $target, $outcome, $detail)"),
    /** A slice of what is older than the cutoff: pruning never holds the write lock for long. */
    prune: db.query<never, [before: number, limit: number]>("DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? ORDER BY at LIMIT ?)"),
    since: db.query<StoredEntry, [since: number, limit: number]>("SELECT at, actor, action, target, outcome, detail FROM audit WHERE at >= ? ORDER BY id DESC LIMIT ?"),
  };
}

export class AuditStore {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(db: Database) {
    this.s = prepareStatements(db);
  }

  /** `at` stays epoch milliseconds in the table (the `since` range is on it). */
  insert(e: StoredEntry): void {
    this.s.insert.run({ at: e.at, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, detail: e.detail });
  }

  /** Deletes up to `limit` records older than `before` (epoch ms); returns how many. */
  prune(before: number, limit: number): number {
    return this.s.prune.run(before, limit).changes;
  }

  list(since: number, limit: number): AuditEntry[] {
    return this.s.since.all(since, limit).map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
  }
}
