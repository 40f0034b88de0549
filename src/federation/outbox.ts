/**
 * The outbox drainer: rows of `fed_outbox` (committed with the message or delivery change they
 * stand for) published in order as signed batch envelopes (many messages, or many receipts, to
 * one host under one signature), each stored by JetStream once (`Nats-Msg-Id`); rows are deleted
 * only after JetStream's ack.
 */
import { headers } from "@nats-io/transport-node";
import type { OutboxRow } from "../broker/store/federation.ts";
import { splitAddress } from "../protocol/address.ts";
import type { Attachment } from "../protocol/message.ts";
import type { FedContext } from "./context.ts";
import { BATCH_BYTES, inSubject, MAX_BATCH, sealJson, SIG_HEADER, type MessageBody, type ReceiptBody, type Ref } from "./envelope.ts";

/** Outbox rows per round; each round waits for JetStream's acks, then deletes them. */
const BATCH = 2048;
/** How long a receipt may wait for others to share its envelope (`send --wait` sees it this much later at most). */
const RECEIPT_LINGER_MS = 10;
const SWEEP_MS = 2000;

export class Outbox {
  private draining = false;
  private again = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private lingering = false;
  /** Published rows whose delete has not committed yet. */
  private readonly deleting = new Set<number>();
  /** A drain skipped rows of `deleting`: drain again once a delete settles. */
  private skipped = false;

  constructor(private readonly f: FedContext) {}

  /**
   * A message drains at once; a receipt (`linger`) waits up to RECEIPT_LINGER_MS so the receipts
   * of a burst share one envelope — one signature, one verification, one publish — instead of
   * one each. A message kicked meanwhile takes them along at once.
   */
  kick(linger = false): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    if (this.retry !== undefined) {
      if (linger || !this.lingering) return;
      clearTimeout(this.retry);
    }
    this.lingering = linger;
    this.retry = setTimeout(
      () => {
        this.retry = undefined;
        this.lingering = false;
        void this.drain();
      },
      linger ? RECEIPT_LINGER_MS : 0,
    );
  }

  /** A backstop: whatever a missed kick left in the outbox goes within this long. */
  private readonly sweep = setInterval(() => this.kick(), SWEEP_MS).unref();

  stop(): void {
    clearTimeout(this.retry);
    clearInterval(this.sweep);
  }

  private async drain(): Promise<void> {
    const f = this.f;
    if (this.draining || f.closed || !f.connected || !f.js) return;
    this.draining = true;
    let failed = false;
    try {
      for (;;) {
        this.again = false;
        const all = f.broker.store.federation.batch(BATCH + this.deleting.size);
        const rows = all.filter((r) => !this.deleting.has(r.seq));
        // A row skipped here may be a new one under a seq whose delete has not settled: look again then.
        if (rows.length < all.length) this.skipped = true;
        if (rows.length === 0) break;
        const { done, error } = await this.round(rows.slice(0, BATCH));
        if (done.length > 0) this.forget(done);
        if (error !== undefined) {
          failed = true;
          f.fail(error);
          break;
        }
      }
    } catch (err) {
      failed = true;
      f.fail(err);
    } finally {
      this.draining = false;
    }
    // NATS refused or went away: the rows stay and are tried again, in order, soon.
    if (failed && !f.closed) {
      if (f.connected) f.reensure();
      if (this.retry === undefined) this.retry = setTimeout(() => ((this.retry = undefined), void this.drain()), 500);
    } else if (this.again) this.kick();
  }

  /**
   * Published rows leave the outbox in the next group commit (a send's, say), not one of their
   * own that the next round would wait for; until it commits they are skipped here. A crash
   * before it commits publishes them again: the Nats-Msg-Id and the receiver's seen ids keep
   * that to one copy. A receipt whose states changed meanwhile (its row replaced, perhaps under
   * the same seq) stays, and goes again with what it says now.
   */
  private forget(done: { row: OutboxRow; key: string | undefined }[]): void {
    const f = this.f;
    for (const d of done) this.deleting.add(d.row.seq);
    f.broker.router.writer
      .write(() => {
        for (const { row, key } of done) {
          if (row.kind === "receipt" && key !== undefined && this.receiptItem(row)?.key !== key) continue;
          f.broker.store.federation.done(row);
        }
      })
      .catch((err) => f.fail(err))
      .finally(() => {
        for (const d of done) this.deleting.delete(d.row.seq);
        if (this.skipped) {
          this.skipped = false;
          this.kick();
        }
      });
  }

  /**
   * One round: the rows grouped by (kind, host) in outbox order, each group cut into batch
   * envelopes of at most MAX_BATCH items and BATCH_BYTES, all published at once. Returns the rows
   * that are done (published and acked, or with nothing left to send) and the first failure.
   */
  private async round(rows: OutboxRow[]): Promise<{ done: { row: OutboxRow; key: string | undefined }[]; error: unknown }> {
    const done: { row: OutboxRow; key: string | undefined }[] = [];
    const chunks: Chunk[] = [];
    const open = new Map<string, Chunk>();
    for (const r of rows) {
      const item = r.kind === "message" ? this.messageItem(r) : this.receiptItem(r);
      if (!item) {
        done.push({ row: r, key: undefined }); // purged meanwhile: nothing left to send
        continue;
      }
      const json = JSON.stringify(item.body);
      const key = `${r.kind} ${r.host}`;
      let c = open.get(key);
      if (c && (c.items.length >= MAX_BATCH || c.bytes + json.length > BATCH_BYTES)) c = undefined;
      if (!c) {
        c = { kind: r.kind, host: r.host, rows: [], items: [], keys: [], atts: [], bytes: 0 };
        open.set(key, c);
        chunks.push(c);
      }
      c.rows.push(r);
      c.items.push(json);
      c.keys.push(item.key);
      if ("attachments" in item.body && item.body.attachments) c.atts.push(...item.body.attachments);
      c.bytes += json.length + 1;
    }
    const results = await Promise.allSettled(chunks.map((c) => this.publish(c)));
    let error: unknown;
    results.forEach((res, i) => {
      const c = chunks[i]!;
      if (res.status === "fulfilled") c.rows.forEach((row, j) => done.push({ row, key: c.keys[j] }));
      else error ??= res.reason;
    });
    return { done, error };
  }

  /**
   * One chunk → one signed envelope, stored by JetStream once: its Nats-Msg-Id names exactly
   * what it carries (the same items again, after a lost ack, are the same id). A chunk cut
   * differently on a retry gets another id; its items already stored are refused by the
   * receiver's seen ids, so each message is still stored once.
   */
  private async publish(c: Chunk): Promise<void> {
    const f = this.f;
    if (c.atts.length > 0) await f.blobs.upload(c.atts);
    const kind = c.kind === "message" ? "messages" : "receipts";
    const json = `{"v":1,"kind":"${kind}","from":${JSON.stringify(f.host)},"to":${JSON.stringify(c.host)},"at":${Date.now()},"body":{"items":[${c.items.join(",")}]}}`;
    const { data, sig } = await sealJson(f.key.privateKey, json);
    const h = headers();
    h.set(SIG_HEADER, sig);
    const tag = c.kind === "message" ? "m" : "rs";
    const msgID = `${f.host}.${tag}.${c.items.length}.${Bun.hash(c.keys.join(",")).toString(36)}`;
    await f.js!.publish(inSubject(c.host), data, { msgID, headers: h, timeout: 5000 });
    f.counts.published += c.items.length;
  }

  /** A message id as every host knows it: the host that first committed it, and its id there. */
  private ref(localId: number | null, self?: number): Ref | null {
    if (localId === null) return null;
    if (localId === self) return { host: this.f.host, id: localId }; // its own thread: ours
    const o = this.f.broker.store.federation.origin(localId);
    return o ?? { host: this.f.host, id: localId };
  }

  private messageItem(r: OutboxRow): { body: MessageBody; key: string } | undefined {
    const m = this.f.broker.store.messages.get(r.message_id);
    if (!m) return undefined;
    const to = (JSON.parse(m.recipients) as string[]).flatMap((x) => {
      const a = splitAddress(x);
      return a && a.host === r.host ? [a.name] : [];
    });
    const body: MessageBody = {
      id: m.id,
      from: m.sender,
      to,
      subject: m.subject,
      body: m.body,
      type: m.type,
      priority: m.priority,
      metadata: m.metadata,
      ack: m.ack === 1 ? 1 : 0,
      created_at: m.created_at,
      expires_at: m.expires_at,
      in_reply_to: this.ref(m.in_reply_to),
      thread: this.ref(m.thread_id, m.id),
      ...(m.attachments === null ? {} : { attachments: JSON.parse(m.attachments) as Attachment[] }),
    };
    return { body, key: String(m.id) };
  }

  private receiptItem(r: OutboxRow): { body: ReceiptBody; key: string } | undefined {
    const store = this.f.broker.store;
    const origin = store.federation.origin(r.message_id);
    const m = store.messages.get(r.message_id);
    if (!origin || !m) return undefined;
    const states = store.messages.deliveriesOf(m).flatMap((d): ReceiptBody["states"] => {
      if (d.status === "dead") return [{ name: d.recipient, status: d.status, at: Date.now(), reason: `dead on ${this.f.host}: ${d.dead_reason ?? "?"}`.slice(0, 1024) }];
      if (d.status !== "delivered" && d.status !== "read" && d.status !== "acked") return [];
      return [{ name: d.recipient, status: d.status, at: d.acked_at ?? d.read_at ?? d.delivered_at ?? Date.now() }];
    });
    if (states.length === 0) return undefined;
    // The key names what the receipt says: a later state (dead after delivered) is a new id, the
    // same states again are the same (an outbox seq is reused once the outbox is empty).
    return { body: { id: origin.id, states }, key: `${origin.id}:${states.map((x) => `${x.name}=${x.status}`).join("+")}` };
  }
}


interface Chunk {
  kind: OutboxRow["kind"];
  host: string;
  rows: OutboxRow[];
  /** Each item's JSON, stringified once. */
  items: string[];
  /** What each item says, for the Nats-Msg-Id. */
  keys: string[];
  /** The attachments its messages carry: in the blob stream before the envelope. */
  atts: Attachment[];
  bytes: number;
}
