/**
 * Live subscribers (`inbox --follow`, a session's injector, a hook) by identity, and pushing
 * messages to them: a new message right after its commit, what a new subscriber is owed, a
 * redelivery the sweep asks for.
 */
import type { MessageView } from "../../protocol/message.ts";
import type { Store } from "../store/index.ts";
import type { InboxRow, MessageRow } from "../store/messages.ts";
import { messageView } from "../views.ts";
import type { DeliveryMarks } from "./delivery-marks.ts";

/** Something live that receives an identity's messages: `inbox --follow`, an injector, a hook. */
export interface Subscriber {
  /** Pushes one message; returns false when it cannot take it now (its client is not reading). */
  deliver(view: MessageView): boolean;
  /** What kind of live subscriber it is, for presence (`agents`); none: not shown there. */
  via?: "follow" | "mcp" | "notices";
}

export class FanOut {
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  /** The kinds of live subscriber `name` has now. */
  subscribedVia(name: string): Set<NonNullable<Subscriber["via"]>> {
    const via = new Set<NonNullable<Subscriber["via"]>>();
    for (const sub of this.subscribers.get(name) ?? []) if (sub.via) via.add(sub.via);
    return via;
  }

  constructor(
    private readonly store: Store,
    private readonly marks: DeliveryMarks,
  ) {}

  subscribe(name: string, sub: Subscriber): () => void {
    let set = this.subscribers.get(name);
    if (!set) this.subscribers.set(name, (set = new Set()));
    set.add(sub);
    return () => {
      set.delete(sub);
      if (set.size === 0) this.subscribers.delete(name);
    };
  }

  /** Whether `name` has a live subscriber now. */
  has(name: string): boolean {
    return this.subscribers.has(name);
  }

  /** Offers one view to every subscriber of `name`; whether any took it. */
  offer(name: string, view: MessageView): boolean {
    let took = false;
    for (const sub of this.subscribers.get(name) ?? []) took = sub.deliver(view) || took;
    return took;
  }

  /** Just committed: pushed to each recipient's subscribers, and marked delivered where one took it. */
  pushNew(row: MessageRow, recipients: string[]): void {
    const pushed: string[] = [];
    // One clock read: the pushed view says the delivery time the store will keep.
    const now = Date.now();
    // The message's own fields are the same for every recipient: built once. Built per recipient,
    // a `*` to 100 followers parsed its 100-name recipient list 100 times per message (a quarter
    // of the daemon's CPU in the fan-out bench). Views are never mutated, so they share it.
    let shared: MessageView | undefined;
    let deliveredAt: string | undefined;
    for (const r of recipients) {
      if (!this.has(r)) continue;
      shared ??= messageView(row);
      deliveredAt ??= new Date(now).toISOString();
      const view: MessageView = { ...shared, recipient: r, status: "delivered", attempts: 1, delivered_at: deliveredAt, read_at: null, acked_at: null, dead_reason: null };
      if (this.offer(r, view)) pushed.push(r);
    }
    if (pushed.length > 0) this.marks.pushedNew(row, pushed, now);
  }

  /**
   * Pushes what `name` is owed (queued, or delivered and unread) to one subscriber, in inbox
   * order: on subscribe, and when a paused subscriber drains.
   */
  async catchUp(name: string, sub: Subscriber, rows: InboxRow[] = this.owed(name)): Promise<void> {
    const now = Date.now();
    for (const row of rows) {
      // The view describes this push as pushedOwed will store it: a first delivery, or (--ack)
      // one more attempt.
      const counts = row.status === "queued" || row.ack === 1;
      const view = messageView(row, { ...row, status: "delivered", attempts: row.attempts + (counts ? 1 : 0), delivered_at: row.delivered_at ?? now });
      if (!sub.deliver(view)) return;
      await this.marks.pushedOwed(row, now);
    }
  }

  /**
   * What `name` is owed right now. Taken in the same tick as `subscribe`, it holds exactly the
   * messages pushNew has not pushed to the new subscriber: a send committed later reaches it
   * through pushNew, so a message is never pushed twice on one stream.
   */
  owed(name: string): InboxRow[] {
    return this.store.messages.pendingFor(name, Date.now(), 10_000);
  }
}
