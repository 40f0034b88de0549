/** The audit table: append-only, read newest first. */
import type { Database, Statement } from "bun:sqlite";
import type { AuditEntry } from "../../protocol/requests.ts";

export class AuditStore {
  private readonly insertStmt: Statement;
  private readonly since: Statement;

  constructor(db: Database) {
    this.insertStmt = db.query("INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES ($at, $actor, $action, $target, $outcome, $detail)");
    this.since = db.query("SELECT at, actor, action, target, outcome, detail FROM audit WHERE at >= ? ORDER BY id DESC LIMIT ?");
  }

  /** `at` stays epoch milliseconds in the table (the `since` range is on it). */
  insert(e: Omit<AuditEntry, "at"> & { at: number }): void {
    this.insertStmt.run({ at: e.at, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, detail: e.detail });
  }

  list(since: number, limit: number): AuditEntry[] {
    return (this.since.all(since, limit) as (Omit<AuditEntry, "at"> & { at: number })[]).map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
  }
}
