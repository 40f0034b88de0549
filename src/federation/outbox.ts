/**
 * The outbox drainer: rows of `fed_outbox` (committed with the message or delivery change they
 * stand for) published in order as signed envelopes, each stored by JetStream once
 * (`Nats-Msg-Id`), and deleted only after JetStream's ack.
 */
import { headers } from "@nats-io/transport-node";
import type { OutboxRow } from "../broker/store/federation.ts";
import { splitAddress } from "../protocol/address.ts";
import type { FedContext } from "./context.ts";
import { inSubject, seal, SIG_HEADER, type Envelope, type MessageBody, type ReceiptBody, type Ref } from "./envelope.ts";

/** Outbox rows published per round; each round waits for JetStream's acks, then deletes them. */
const BATCH = 256;

export class Outbox {
  private draining = false;
  private again = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly f: FedContext) {}

  kick(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.drain();
    }, 0);
  }

  stop(): void {
    clearTimeout(this.retry);
  }

  private async drain(): Promise<void> {
    const f = this.f;
    if (this.draining || f.closed || !f.connected || !f.js) return;
    this.draining = true;
    let failed = false;
    try {
      for (;;) {
        this.again = false;
        const rows = f.broker.store.federation.batch(BATCH);
        if (rows.length === 0) break;
        const results = await Promise.allSettled(rows.map((r) => this.publish(r)));
        const done = rows.filter((_, i) => results[i]!.status === "fulfilled");
        if (done.length > 0) {
          await f.broker.router.writer.write(() => {
            for (const r of done) f.broker.store.federation.done(r.seq);
          });
        }
        const bad = results.find((r) => r.status === "rejected");
        if (bad) {
          failed = true;
          f.fail((bad as PromiseRejectedResult).reason);
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

  /** One outbox row → one signed envelope, stored by JetStream once (Nats-Msg-Id). */
  private async publish(r: OutboxRow): Promise<void> {
    const built = r.kind === "message" ? this.messageEnvelope(r) : this.receiptEnvelope(r);
    if (!built) return; // purged meanwhile: nothing left to send
    const { env, msgId } = built;
    const { data, sig } = await seal(this.f.key.privateKey, env);
    const h = headers();
    h.set(SIG_HEADER, sig);
    await this.f.js!.publish(inSubject(r.host), data, { msgID: msgId, headers: h, timeout: 5000 });
    this.f.counts.published++;
  }

  /** A message id as every host knows it: the host that first committed it, and its id there. */
  private ref(localId: number | null): Ref | null {
    if (localId === null) return null;
    const o = this.f.broker.store.federation.origin(localId);
    return o ?? { host: this.f.host, id: localId };
  }

  private messageEnvelope(r: OutboxRow): { env: Envelope; msgId: string } | undefined {
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
      thread: this.ref(m.thread_id),
    };
    return { env: { v: 1, kind: "message", from: this.f.host, to: r.host, at: Date.now(), body }, msgId: `${this.f.host}.${m.id}` };
  }

  private receiptEnvelope(r: OutboxRow): { env: Envelope; msgId: string } | undefined {
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
    return { env: { v: 1, kind: "receipt", from: this.f.host, to: r.host, at: Date.now(), body: { id: origin.id, states } }, msgId: receiptMsgId(this.f.host, r.message_id, states) };
  }
}

/**
 * A receipt's Nats-Msg-Id names what it says, not its outbox seq: a seq is reused once the
 * outbox is empty (SQLite's rowid), and JetStream would drop a new receipt (dead after
 * delivered) as a duplicate of an old one within its window. The same states twice are one.
 */
function receiptMsgId(host: string, id: number, states: ReceiptBody["states"]): string {
  const said = states.map((s) => `${s.name}:${s.status}`).join(",");
  return `${host}.r.${id}.${Bun.hash(said).toString(36)}`;
}
