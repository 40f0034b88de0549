/**
 * Federation's tables (migration 7): the outbox drained to NATS, the inbound map (another
 * host's message id ↔ ours) that refuses duplicates, and the pinned directory of hosts.
 */
import type { Database } from "bun:sqlite";

export interface OutboxRow {
  seq: number;
  kind: "message" | "receipt";
  message_id: number;
  host: string;
}

export interface HostRow {
  host: string;
  public_key: string;
  entry: string;
  first_seen: number;
  updated_at: number;
}

/** Delivery states in the order they only ever move (a receipt never moves one back). */
const RANK: Readonly<Record<string, number>> = { queued: 0, delivered: 1, read: 2, acked: 3, expired: 4, dead: 4 };

export class FederationStore {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      enqueue: db.query<never, [kind: string, id: number, host: string, now: number]>("INSERT OR IGNORE INTO fed_outbox (kind, message_id, host, created_at) VALUES (?, ?, ?, ?)"),
      batch: db.query<OutboxRow, [limit: number]>("SELECT seq, kind, message_id, host FROM fed_outbox ORDER BY seq LIMIT ?"),
      done: db.query<never, [seq: number, kind: string, id: number, host: string]>("DELETE FROM fed_outbox WHERE seq = ? AND kind = ? AND message_id = ? AND host = ?"),
      depth: db.query<{ n: number }, []>("SELECT count(*) AS n FROM fed_outbox"),
      inbound: db.query<{ local_id: number }, [host: string, id: number]>("SELECT local_id FROM fed_inbound WHERE origin_host = ? AND origin_id = ?"),
      origin: db.query<{ origin_host: string; origin_id: number }, [local: number]>("SELECT origin_host, origin_id FROM fed_inbound WHERE local_id = ?"),
      addInbound: db.query<never, [host: string, id: number, local: number]>("INSERT INTO fed_inbound (origin_host, origin_id, local_id) VALUES (?, ?, ?)"),
      forget: db.query<never, [host: string]>("DELETE FROM fed_hosts WHERE host = ?"),
      hosts: db.query<HostRow, []>("SELECT host, public_key, entry, first_seen, updated_at FROM fed_hosts ORDER BY host"),
      host: db.query<HostRow, [host: string]>("SELECT host, public_key, entry, first_seen, updated_at FROM fed_hosts WHERE host = ?"),
      putHost: db.query<never, [host: string, key: string, entry: string, now: number]>(
        `INSERT INTO fed_hosts (host, public_key, entry, first_seen, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (host) DO UPDATE SET entry = excluded.entry, updated_at = excluded.updated_at WHERE public_key = excluded.public_key`,
      ),
      markDead: db.query<never, { recipient: string; id: number; reason: string }>(
        `UPDATE deliveries SET status = 'dead', dead_reason = $reason, redeliver_at = NULL
         WHERE recipient = $recipient AND message_id = $id AND status IN ('queued', 'delivered', 'read')`,
      ),
      delivery: db.query<{ status: string }, [recipient: string, id: number]>("SELECT status FROM deliveries WHERE recipient = ? AND message_id = ?"),
      setStatus: db.query<never, { recipient: string; id: number; status: string; at: number }>(
        `UPDATE deliveries SET status = $status,
           delivered_at = coalesce(delivered_at, $at),
           read_at = CASE WHEN $status IN ('read', 'acked') THEN coalesce(read_at, $at) ELSE read_at END,
           acked_at = CASE WHEN $status = 'acked' THEN coalesce(acked_at, $at) ELSE acked_at END,
           attempts = max(attempts, 1), redeliver_at = NULL
         WHERE recipient = $recipient AND message_id = $id`,
      ),
    };
  }

  /** Inside the commit of the message (or delivery change) it stands for. */
  enqueue(kind: OutboxRow["kind"], messageId: number, host: string, now: number): void {
    this.s.enqueue.run(kind, messageId, host, now);
  }

  batch(limit: number): OutboxRow[] {
    return this.s.batch.all(limit);
  }

  /** The row published: only that one (a seq is reused once it is gone; all four must match). */
  done(r: OutboxRow): void {
    this.s.done.run(r.seq, r.kind, r.message_id, r.host);
  }

  depth(): number {
    return this.s.depth.get()!.n;
  }

  /** Our id of a message another host sent, if it came before. */
  inbound(host: string, originId: number): number | undefined {
    return this.s.inbound.get(host, originId)?.local_id;
  }

  origin(localId: number): { host: string; id: number } | undefined {
    const r = this.s.origin.get(localId);
    return r ? { host: r.origin_host, id: r.origin_id } : undefined;
  }

  addInbound(host: string, originId: number, localId: number): void {
    this.s.addInbound.run(host, originId, localId);
  }

  /** Unpins a host (re-keying): its next entry is taken with whatever key it has. */
  forget(host: string): void {
    this.s.forget.run(host);
  }

  hosts(): HostRow[] {
    return this.s.hosts.all();
  }

  host(host: string): HostRow | undefined {
    return this.s.host.get(host) ?? undefined;
  }

  /** Records a host's entry; false if the host is pinned to another key (nothing changes then). */
  putHost(host: string, publicKey: string, entry: string, now: number): boolean {
    const pinned = this.host(host);
    if (pinned && pinned.public_key !== publicKey) return false;
    this.s.putHost.run(host, publicKey, entry, now);
    return true;
  }

  /**
   * A receipt from the recipient's host: moves the delivery forward only. Undefined if that
   * recipient has no delivery of the message (a receipt for something never sent to it).
   */
  applyReceipt(recipient: string, id: number, status: string, at: number, reason?: string): boolean | undefined {
    const d = this.s.delivery.get(recipient, id);
    if (!d) return undefined;
    // Dead on its host (redeliveries exhausted, or refused there by policy or rate limit): dead
    // here too, with that host's reason — unless it was acked, expired or dead already.
    if (status === "dead") return this.s.markDead.run({ recipient, id, reason: reason ?? "dead on its host" }).changes > 0;
    if ((RANK[status] ?? -1) <= (RANK[d.status] ?? 0) || status === "expired" || status === "dead") return false;
    this.s.setStatus.run({ recipient, id, status, at });
    return true;
  }
}
