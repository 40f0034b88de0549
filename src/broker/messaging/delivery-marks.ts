/**
 * Delivery state changes: queued → delivered (a push, an own `inbox` listing, a confirmed
 * notice), one more --ack attempt, read, acked. Each goes through the group commit and then
 * wakes the `--wait` callers of that message.
 */
import type { ConsolaInstance } from "consola";
import { MaestroError } from "../../protocol/errors.ts";
import { formatId, parseId } from "../../protocol/message.ts";
import type { Identity } from "../../protocol/messages.ts";
import type { Config } from "../config.ts";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/index.ts";
import type { InboxRow, MessageRow } from "../store/messages.ts";
import { visibleMessage } from "./compose.ts";
import type { SendWaiters } from "./send-wait.ts";
import type { Writer } from "./writer.ts";

export class DeliveryMarks {
  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly messages: Config["messages"],
    private readonly metrics: Metrics,
    private readonly waiters: SendWaiters,
    private readonly log: ConsolaInstance,
  ) {}

  /** When an --ack message is due again if nobody acks it; null for the others. */
  ackWait(row: { ack: number }): number | null {
    return row.ack === 1 ? this.messages.ack_wait_ms : null;
  }

  /**
   * A new message was pushed live to these recipients: marked delivered in the background (the
   * send's reply does not wait for it).
   */
  pushedNew(row: MessageRow, recipients: string[], now: number): void {
    this.metrics.counters.deliveries += recipients.length;
    void this.writer
      .write(() => {
        for (const r of recipients) this.store.messages.markDelivered(r, row.id, now, this.ackWait(row));
      })
      .then(() => this.waiters.changed(row.id), (err) => this.log.error("marking delivered failed", err));
  }

  /** After a push of an owed message to a live subscriber: queued → delivered, or one more delivery attempt. */
  async pushedOwed(row: InboxRow, now: number): Promise<void> {
    this.metrics.counters.deliveries++;
    await this.writer.write(() => {
      if (!this.store.messages.markDelivered(row.recipient, row.id, now, this.ackWait(row)) && row.ack === 1) {
        this.store.messages.recordRedelivery(row.recipient, row.id, now + this.messages.ack_wait_ms);
      }
    });
    this.waiters.changed(row.id);
  }

  /** An `inbox` listing by the recipient itself counts as delivery (SPEC §5: a peek). */
  async listed(rows: InboxRow[]): Promise<void> {
    const queued = rows.filter((r) => r.status === "queued");
    if (queued.length === 0) return;
    const now = Date.now();
    await this.writer.write(() => {
      for (const r of queued) this.store.messages.markDelivered(r.recipient, r.id, now, this.ackWait(r));
    });
    this.metrics.counters.deliveries += queued.length;
    for (const r of queued) {
      r.status = "delivered";
      r.delivered_at = now;
      r.attempts += 1;
      this.waiters.changed(r.id);
    }
  }

  /**
   * A live deliverer that confirms later (a notice typed into a session, once the program took
   * it) marks its messages delivered here.
   */
  async deliveredTo(recipient: string, idTexts: string[]): Promise<void> {
    const now = Date.now();
    const rows = idTexts.flatMap((t) => {
      const m = this.store.messages.get(parseId(t));
      return m ? [m] : [];
    });
    await this.writer.write(() => {
      for (const m of rows) {
        if (!this.store.messages.markDelivered(recipient, m.id, now, this.ackWait(m)) && m.ack === 1) {
          this.store.messages.recordRedelivery(recipient, m.id, now + this.messages.ack_wait_ms);
        }
      }
    });
    this.metrics.counters.deliveries += rows.length;
    for (const m of rows) this.waiters.changed(m.id);
  }

  /** Marks the caller's own deliveries read (`read`, `reply`). */
  async markRead(who: Identity, ids: number[]): Promise<void> {
    const now = Date.now();
    await this.writer.write(() => {
      for (const id of ids) this.store.messages.markRead(who.name, id, now);
    });
    ids.forEach((id) => this.waiters.changed(id));
  }

  async ack(who: Identity, idTexts: string[]): Promise<string[]> {
    const rows = idTexts.map((t) => {
      const m = visibleMessage(this.store, who, t);
      if (!this.store.messages.delivery(who.name, m.id)) throw new MaestroError("not_found", `message ${t} was not sent to you: only a recipient acks`);
      return m;
    });
    const now = Date.now();
    await this.writer.write(() => {
      for (const m of rows) this.store.messages.markAcked(who.name, m.id, now);
    });
    rows.forEach((m) => this.waiters.changed(m.id));
    return rows.map((m) => formatId(m.id));
  }
}
