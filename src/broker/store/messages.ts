/**
 * Messages, deliveries and groups: every SQL statement messaging runs. Statements are compiled
 * once (db.query caches them); writes run inside the router's group commit (messaging/writer.ts).
 */
import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { DeliveryStatus } from "../../protocol/message.ts";

export interface MessageRow {
  id: number;
  sender: string;
  recipients: string;
  subject: string;
  body: string;
  type: string;
  priority: number;
  thread_id: number;
  in_reply_to: number | null;
  metadata: string | null;
  attachments: string | null;
  idempotency_key: string | null;
  ack: number;
  created_at: number;
  expires_at: number | null;
}

export interface DeliveryRow {
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  delivered_at: number | null;
  read_at: number | null;
  acked_at: number | null;
  dead_reason: string | null;
}

export type InboxRow = MessageRow & DeliveryRow;

export interface InboxQuery {
  recipient: string;
  unreadOnly: boolean;
  /** Only messages not yet delivered anywhere (what a hook has not shown yet). */
  freshOnly?: boolean;
  from?: string;
  thread?: number;
  sinceId: number;
  limit: number;
  now: number;
}

export interface HistoryQuery {
  /** Only messages this identity sent or received; undefined = all (the operator). */
  party?: string;
  from?: string;
  to?: string;
  sinceId: number;
  limit: number;
}

const MESSAGE_COLS =
  "m.id, m.sender, m.recipients, m.subject, m.body, m.type, m.priority, m.thread_id, m.in_reply_to, m.metadata, m.attachments, m.idempotency_key, m.ack, m.created_at, m.expires_at";
const DELIVERY_COLS = "d.recipient, d.status, d.attempts, d.delivered_at, d.read_at, d.acked_at, d.dead_reason";
const INBOX_FILTERS = `d.recipient = $recipient
  AND ($from IS NULL OR m.sender = $from)
  AND ($thread IS NULL OR m.thread_id = $thread)
  AND +d.message_id >= $sinceId`; // unary +: keep the range out of index choice, or SQLite scans the primary key instead of deliveries_unread

/** Named parameters of the inbox queries. */
type InboxParams = { recipient: string; now: number; from: string | null; thread: number | null; sinceId: number; limit: number };
/** A message row as bound by insertMessage (a mapped type: bun:sqlite binds plain records). */
type InsertParams = { [K in keyof MessageRow]: MessageRow[K] } & { content_hash: string | null };

/**
 * Every statement, compiled once, each typed with its row and its parameters: a misspelt name,
 * a wrong parameter or a wrong row type does not compile.
 */
export function prepareStatements(db: Database) {
  /** R: one result row (never for writes); P: positional parameters, or one named-parameter record. */
  const q = <R, P extends SQLQueryBindings | SQLQueryBindings[]>(sql: string) => db.query<R, P>(sql);
  return {
    maxId: q<{ id: number | null }, []>("SELECT max(id) AS id FROM messages"),
    insertMessage: q<never, InsertParams>(`INSERT INTO messages (id, sender, recipients, subject, body, type, priority, thread_id, in_reply_to,
      metadata, attachments, idempotency_key, ack, created_at, expires_at, content_hash)
      VALUES ($id, $sender, $recipients, $subject, $body, $type, $priority, $thread_id, $in_reply_to,
      $metadata, $attachments, $idempotency_key, $ack, $created_at, $expires_at, $content_hash)`),
    insertDelivery: q<never, [recipient: string, id: number, priority: number]>("INSERT INTO deliveries (recipient, message_id, status, priority) VALUES (?, ?, 'queued', ?)"),
    idempotent: q<{ id: number; content_hash: string | null }, [sender: string, key: string, since: number]>("SELECT id, content_hash FROM messages WHERE sender = ? AND idempotency_key = ? AND created_at >= ? ORDER BY id LIMIT 1"),
    get: q<MessageRow, [id: number]>(`SELECT ${MESSAGE_COLS} FROM messages m WHERE m.id = ?`),
    delivery: q<DeliveryRow, [recipient: string, id: number]>(`SELECT ${DELIVERY_COLS} FROM deliveries d WHERE d.recipient = ? AND d.message_id = ?`),
    // --ttl hides what is still unread once it expires (the sweeper then marks it expired);
    // a message already read stays in the listing.
    inboxUnread: q<InboxRow, InboxParams>(`SELECT ${MESSAGE_COLS}, ${DELIVERY_COLS} FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.status IN ('queued', 'delivered') AND (m.expires_at IS NULL OR m.expires_at > $now) AND ${INBOX_FILTERS}
      ORDER BY d.priority, d.message_id LIMIT $limit`),
    inboxFresh: q<InboxRow, InboxParams>(`SELECT ${MESSAGE_COLS}, ${DELIVERY_COLS} FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.status IN ('queued', 'delivered') AND d.status = 'queued' AND (m.expires_at IS NULL OR m.expires_at > $now) AND ${INBOX_FILTERS}
      ORDER BY d.priority, d.message_id LIMIT $limit`),
    inboxSeen: q<InboxRow, InboxParams>(`SELECT ${MESSAGE_COLS}, ${DELIVERY_COLS} FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.status IN ('read', 'acked') AND ${INBOX_FILTERS}
      ORDER BY d.message_id DESC LIMIT $limit`),
    markDelivered: q<never, { recipient: string; id: number; now: number; ackWait: number | null }>(`UPDATE deliveries SET status = 'delivered', delivered_at = $now, attempts = attempts + 1,
      redeliver_at = CASE WHEN $ackWait IS NULL THEN NULL ELSE $now + $ackWait END
      WHERE recipient = $recipient AND message_id = $id AND status = 'queued'`),
    redelivered: q<never, { recipient: string; id: number; next: number }>(`UPDATE deliveries SET attempts = attempts + 1, redeliver_at = $next
      WHERE recipient = $recipient AND message_id = $id`),
    parkRedelivery: q<never, [recipient: string, id: number]>("UPDATE deliveries SET redeliver_at = NULL WHERE recipient = ? AND message_id = ?"),
    markRead: q<never, { recipient: string; id: number; now: number }>(`UPDATE deliveries SET status = CASE WHEN status = 'acked' THEN 'acked' ELSE 'read' END,
      delivered_at = coalesce(delivered_at, $now), read_at = coalesce(read_at, $now)
      WHERE recipient = $recipient AND message_id = $id AND status IN ('queued', 'delivered', 'read', 'acked')`),
    markAcked: q<never, { recipient: string; id: number; now: number }>(`UPDATE deliveries SET status = 'acked', delivered_at = coalesce(delivered_at, $now),
      read_at = coalesce(read_at, $now), acked_at = coalesce(acked_at, $now), redeliver_at = NULL
      WHERE recipient = $recipient AND message_id = $id AND status IN ('queued', 'delivered', 'read', 'acked')`),
    markDead: q<never, [reason: string, recipient: string, id: number]>(`UPDATE deliveries SET status = 'dead', dead_reason = ?, redeliver_at = NULL
      WHERE recipient = ? AND message_id = ?`),
    redeliveryDue: q<{ recipient: string; id: number; attempts: number }, [now: number]>(`SELECT d.recipient, d.message_id AS id, d.attempts FROM deliveries d
      WHERE d.redeliver_at IS NOT NULL AND d.redeliver_at <= ? AND d.status IN ('delivered', 'read') LIMIT 1000`),
    expiredBetween: q<{ id: number; recipients: string }, [from: number, to: number]>("SELECT id, recipients FROM messages WHERE expires_at > ? AND expires_at <= ?"),
    markExpired: q<never, [recipient: string, id: number]>(`UPDATE deliveries SET status = 'expired', redeliver_at = NULL
      WHERE recipient = ? AND message_id = ? AND status IN ('queued', 'delivered')`),
    // A thread: its root by primary key, its replies by the partial index (migration 8).
    thread: q<MessageRow, [threadId: number]>(`SELECT ${MESSAGE_COLS} FROM messages m WHERE m.id = ?1 AND m.thread_id = m.id
      UNION ALL SELECT ${MESSAGE_COLS} FROM messages m WHERE m.thread_id = ?1 AND m.thread_id <> m.id ORDER BY 1`),
    dead: q<InboxRow, { recipient: string | null; limit: number }>(`SELECT ${MESSAGE_COLS}, ${DELIVERY_COLS} FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.status = 'dead' AND ($recipient IS NULL OR d.recipient = $recipient) ORDER BY d.message_id LIMIT $limit`),
    search: q<MessageRow, { query: string; party: string | null; limit: number }>(`SELECT ${MESSAGE_COLS} FROM messages_fts f JOIN messages m ON m.id = f.rowid
      WHERE messages_fts MATCH $query
      AND ($party IS NULL OR m.sender = $party OR EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.recipient = $party))
      ORDER BY f.rank LIMIT $limit`),
    purgeDeliveries: q<never, [before: number]>("DELETE FROM deliveries WHERE message_id IN (SELECT id FROM messages WHERE created_at < ?)"),
    purge: q<never, [before: number]>("DELETE FROM messages WHERE created_at < ?"),
    unreadCount: q<{ n: number }, { recipient: string; now: number }>(`SELECT count(*) AS n FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.recipient = $recipient AND d.status IN ('queued', 'delivered') AND (m.expires_at IS NULL OR m.expires_at > $now)`),
    firstReply: q<MessageRow, [id: number]>(`SELECT ${MESSAGE_COLS} FROM messages m WHERE m.in_reply_to = ? ORDER BY m.id LIMIT 1`),
    countMessages: q<{ n: number }, []>("SELECT count(*) AS n FROM messages"),
    byState: q<{ status: string; n: number }, []>("SELECT status, count(*) AS n FROM deliveries GROUP BY status"),
    groupAdd: q<never, [name: string, member: string]>("INSERT OR IGNORE INTO group_members (name, member) VALUES (?, ?)"),
    groupRm: q<never, [name: string, member: string]>("DELETE FROM group_members WHERE name = ? AND member = ?"),
    groupDrop: q<never, [name: string]>("DELETE FROM group_members WHERE name = ?"),
    leaveGroups: q<never, [member: string]>("DELETE FROM group_members WHERE member = ?"),
    deadFor: q<never, { recipient: string; reason: string }>(`UPDATE deliveries SET status = 'dead', dead_reason = $reason, redeliver_at = NULL
      WHERE recipient = $recipient AND status IN ('queued', 'delivered')`),
    groupMembers: q<{ member: string }, [name: string]>("SELECT member FROM group_members WHERE name = ? ORDER BY member"),
    groups: q<{ name: string; members: string }, []>("SELECT name, group_concat(member, ',') AS members FROM (SELECT * FROM group_members ORDER BY name, member) GROUP BY name"),
    attachmentsInUse: q<{ attachments: string }, []>("SELECT attachments FROM messages WHERE attachments IS NOT NULL"),
    ftsIndexedTo: q<{ id: number }, []>("SELECT CAST(value AS INTEGER) AS id FROM meta WHERE key = 'fts_indexed_to'"),
    ftsIndex: q<never, { from: number; limit: number }>(`INSERT INTO messages_fts (rowid, subject, body)
      SELECT id, subject, body FROM messages WHERE id > $from ORDER BY id LIMIT $limit`),
    ftsMaxIn: q<{ id: number | null }, { from: number; limit: number }>("SELECT max(id) AS id FROM (SELECT id FROM messages WHERE id > $from ORDER BY id LIMIT $limit)"),
    ftsSetIndexedTo: q<never, { id: number }>("UPDATE meta SET value = CAST($id AS TEXT) WHERE key = 'fts_indexed_to'"),
  };
}

export class MessageStore {
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Database) {
    this.s = prepareStatements(db);
  }

  maxId(): number {
    return this.s.maxId.get()!.id ?? 0;
  }

  /** `contentHash`: what a message sent with an idempotency key said (see compose's contentHash). */
  insert(row: MessageRow, recipients: string[], contentHash: string | null = null): void {
    this.s.insertMessage.run({ ...row, content_hash: contentHash });
    for (const r of recipients) this.s.insertDelivery.run(r, row.id, row.priority);
  }

  /** The first message `sender` sent with `key` since then, and what it said (null before migration 5). */
  findIdempotent(sender: string, key: string, since: number): { id: number; content_hash: string | null } | undefined {
    return this.s.idempotent.get(sender, key, since) ?? undefined;
  }

  get(id: number): MessageRow | undefined {
    return this.s.get.get(id) ?? undefined;
  }

  delivery(recipient: string, id: number): DeliveryRow | undefined {
    return this.s.delivery.get(recipient, id) ?? undefined;
  }

  deliveriesOf(m: MessageRow): DeliveryRow[] {
    return (JSON.parse(m.recipients) as string[]).flatMap((r) => this.delivery(r, m.id) ?? []);
  }

  /** Unread first (priority, then FIFO), then — unless unreadOnly — read ones, newest first. */
  inbox(q: InboxQuery): InboxRow[] {
    const p: InboxParams = { recipient: q.recipient, now: q.now, from: q.from ?? null, thread: q.thread ?? null, sinceId: q.sinceId, limit: q.limit };
    if (q.freshOnly) return this.s.inboxFresh.all(p);
    const rows = this.s.inboxUnread.all(p);
    if (!q.unreadOnly && rows.length < q.limit) {
      rows.push(...this.s.inboxSeen.all({ ...p, limit: q.limit - rows.length }));
    }
    return rows;
  }

  /** queued → delivered; returns whether this call made the transition. */
  markDelivered(recipient: string, id: number, now: number, ackWait: number | null): boolean {
    return this.s.markDelivered.run({ recipient, id, now, ackWait }).changes > 0;
  }

  recordRedelivery(recipient: string, id: number, next: number): void {
    this.s.redelivered.run({ recipient, id, next });
  }

  /** No live subscriber to redeliver to: wait until one subscribes. */
  parkRedelivery(recipient: string, id: number): void {
    this.s.parkRedelivery.run(recipient, id);
  }

  markRead(recipient: string, id: number, now: number): boolean {
    return this.s.markRead.run({ recipient, id, now }).changes > 0;
  }

  markAcked(recipient: string, id: number, now: number): boolean {
    return this.s.markAcked.run({ recipient, id, now }).changes > 0;
  }

  markDead(recipient: string, id: number, reason: string): void {
    this.s.markDead.run(reason, recipient, id);
  }

  redeliveryDue(now: number): { recipient: string; id: number; attempts: number }[] {
    return this.s.redeliveryDue.all(now);
  }

  /**
   * Marks expired the unread deliveries of messages whose TTL ran out in (from, to]. Walks the
   * expiry index and the deliveries' primary key, never a scan of all unread deliveries.
   */
  expireBetween(from: number, to: number): number[] {
    const expired: number[] = [];
    for (const m of this.s.expiredBetween.all(from, to)) {
      let n = 0;
      for (const r of JSON.parse(m.recipients) as string[]) n += this.s.markExpired.run(r, m.id).changes;
      if (n > 0) expired.push(m.id);
    }
    return expired;
  }

  thread(threadId: number): MessageRow[] {
    return this.s.thread.all(threadId);
  }

  history(q: HistoryQuery): MessageRow[] {
    const where = ["m.id >= $sinceId"];
    if (q.party !== undefined) {
      where.push("(m.sender = $party OR EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.recipient = $party))");
    }
    if (q.from !== undefined) where.push("m.sender = $from");
    if (q.to !== undefined) where.push("EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.recipient = $to)");
    const sql = `SELECT ${MESSAGE_COLS} FROM messages m WHERE ${where.join(" AND ")} ORDER BY m.id DESC LIMIT $limit`;
    const p: Record<string, string | number> = { sinceId: q.sinceId, limit: q.limit };
    if (q.party !== undefined) p.party = q.party;
    if (q.from !== undefined) p.from = q.from;
    if (q.to !== undefined) p.to = q.to;
    return this.db.query<MessageRow, Record<string, string | number>>(sql).all(p);
  }

  search(query: string, party: string | undefined, limit: number): MessageRow[] {
    return this.s.search.all({ query, party: party ?? null, limit });
  }

  dead(recipient: string | undefined, limit: number): InboxRow[] {
    return this.s.dead.all({ recipient: recipient ?? null, limit });
  }

  /** Run inside a transaction: deliveries first, then their messages. */
  purge(before: number): number {
    this.s.purgeDeliveries.run(before);
    return this.s.purge.run(before).changes;
  }

  /** Every blob digest still referenced by a message. */
  attachmentDigests(): Set<string> {
    const out = new Set<string>();
    for (const { attachments } of this.s.attachmentsInUse.all()) {
      for (const a of JSON.parse(attachments) as { sha256: string }[]) out.add(a.sha256);
    }
    return out;
  }

  /** The highest message id in the full-text index. */
  indexedTo(): number {
    return this.s.ftsIndexedTo.get()!.id;
  }

  /**
   * Adds up to `limit` not-yet-indexed messages to the full-text index, in id order. Returns how
   * many; 0 means the index is complete. Run inside a transaction.
   */
  indexBatch(limit: number): number {
    const from = this.s.ftsIndexedTo.get()!.id;
    const to = this.s.ftsMaxIn.get({ from, limit })!.id;
    if (to === null) return 0;
    const n = this.s.ftsIndex.run({ from, limit }).changes;
    this.s.ftsSetIndexedTo.run({ id: to });
    return n;
  }

  unreadCount(recipient: string, now: number): number {
    return this.s.unreadCount.get({ recipient, now })!.n;
  }

  firstReply(id: number): MessageRow | undefined {
    return this.s.firstReply.get(id) ?? undefined;
  }

  /** What a new live subscriber is owed: queued and delivered-but-unread, in inbox order. */
  pendingFor(recipient: string, now: number, limit: number): InboxRow[] {
    return this.inbox({ recipient, unreadOnly: true, sinceId: 0, limit, now });
  }

  /** Deliveries per status; a full scan, for metrics scrapes only. */
  countByState(): Record<string, number> {
    const out: Record<string, number> = { queued: 0, delivered: 0, read: 0, acked: 0, expired: 0, dead: 0 };
    for (const r of this.s.byState.all()) out[r.status] = r.n;
    return out;
  }

  count(): number {
    return this.s.countMessages.get()!.n;
  }

  groupAdd(name: string, members: string[]): void {
    for (const m of members) this.s.groupAdd.run(name, m);
  }

  groupRemove(name: string, members: string[]): number {
    if (members.length === 0) return this.s.groupDrop.run(name).changes;
    let n = 0;
    for (const m of members) n += this.s.groupRm.run(name, m).changes;
    return n;
  }

  /** Takes `member` out of every group; returns how many it was in. */
  leaveGroups(member: string): number {
    return this.s.leaveGroups.run(member).changes;
  }

  /** Dead-letters every unread delivery to `recipient` (it is being removed); returns how many. */
  deadLetterAll(recipient: string, reason: string): number {
    return this.s.deadFor.run({ recipient, reason }).changes;
  }

  groupMembers(name: string): string[] {
    return this.s.groupMembers.all(name).map((r) => r.member);
  }

  groups(): { name: string; members: string[] }[] {
    return this.s.groups.all().map((g) => ({ name: g.name, members: g.members.split(",") }));
  }
}
