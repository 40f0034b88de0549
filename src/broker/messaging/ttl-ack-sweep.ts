/**
 * The periodic sweep: expires --ttl deliveries whose time ran out, pushes unacked --ack messages
 * again once ack_wait has passed, and dead-letters them (reason max_deliver) after max_deliver
 * pushes.
 */
import type { ConsolaInstance } from "consola";
import type { Config } from "../config.ts";
import type { Store } from "../store/index.ts";
import { messageView } from "../views.ts";
import type { FanOut } from "./fan-out.ts";
import type { SendWaiters } from "./send-wait.ts";
import type { Writer } from "./writer.ts";

export class TtlAckSweep {
  /** Expiries up to this time have been swept; 0 at start, so the first sweep catches up. */
  private expiredTo = 0;
  private readonly timer: Timer;

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly messages: Config["messages"],
    private readonly fanOut: FanOut,
    private readonly waiters: SendWaiters,
    private readonly log: ConsolaInstance,
  ) {
    this.timer = setInterval(() => void this.sweep(), messages.sweep_ms);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** One sweep; settles once its writes are committed (the timer does not wait for it). */
  sweep(): Promise<void> {
    const now = Date.now();
    const { max_deliver, ack_wait_ms } = this.messages;
    return this.writer
      .write(() => {
        const expired = this.store.messages.expireBetween(this.expiredTo, now);
        this.expiredTo = now;
        // A `send --wait` on a message that just expired will never see it delivered or read.
        if (expired.length > 0) setImmediate(() => expired.forEach((id) => this.waiters.changed(id)));
        const dead: number[] = [];
        for (const due of this.store.messages.redeliveryDue(now)) {
          if (due.attempts >= max_deliver) {
            this.store.messages.markDead(due.recipient, due.id, "max_deliver");
            dead.push(due.id);
            continue;
          }
          let took = false;
          if (this.fanOut.has(due.recipient)) {
            const row = this.store.messages.get(due.id);
            const delivery = this.store.messages.delivery(due.recipient, due.id);
            if (row && delivery) took = this.fanOut.offer(due.recipient, messageView(row, { ...delivery, attempts: delivery.attempts + 1 }));
          }
          if (took) this.store.messages.recordRedelivery(due.recipient, due.id, now + ack_wait_ms);
          else this.store.messages.parkRedelivery(due.recipient, due.id);
        }
        // …nor one that went dead; and a dead inbound message owes its host a receipt (the outbox).
        if (dead.length > 0) setImmediate(() => dead.forEach((id) => this.waiters.changed(id)));
      })
      .catch((err) => this.log.error("sweep failed", err));
  }
}
