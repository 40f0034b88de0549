/**
 * The message router: commits sends (through the group-commit writer), pushes them to live
 * subscribers, wakes `send --wait` callers, expires TTLs and redelivers unacked --ack messages.
 */
import type { ConsolaInstance } from "consola";
import { MaestroError } from "../../protocol/errors.ts";
import { formatId, parseId, type MessageView } from "../../protocol/message.ts";
import type { Identity } from "../../protocol/messages.ts";
import type { BlobStore } from "../blobs.ts";
import type { Config } from "../config.ts";
import type { Store } from "../store/index.ts";
import type { DeliveryRow, InboxRow, MessageRow } from "../store/messages.ts";
import type { WireArgs } from "../types.ts";
import { messageView } from "../views.ts";
import { compose, visibleMessage } from "./compose.ts";
import type { Audit } from "../audit.ts";
import type { Metrics } from "../metrics.ts";
import { Policy } from "../policy.ts";
import { RateLimiter } from "../ratelimit.ts";
import type { Writer } from "./writer.ts";

/** Something live that receives an identity's messages: `inbox --follow`, an injector, a hook. */
export interface Subscriber {
  /** Pushes one message; returns false when it cannot take it now (its client is not reading). */
  deliver(view: MessageView): boolean;
  /** What kind of live subscriber it is, for presence (`agents`); none: not shown there. */
  via?: "follow" | "mcp" | "notices";
}

export interface SendOutcome {
  id: string;
  recipients: string[];
  duplicate: boolean;
}

export type WaitFor = "delivered" | "read" | "reply";

/** Messages added to the full-text index per transaction when catching up for a search. */
const FTS_BATCH = 2000;
/**
 * Background indexing: a small slice often, so no send waits behind more than ~1 ms of FTS work
 * (about 50 µs a message). 20 per 10 ms keeps up with 2,000 messages/s; past that the index
 * lags, and `search` catches up before it queries.
 */
const FTS_SLICE = 20;
const FTS_SLICE_MS = 10;

export class Router {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly waiters = new Map<number, Set<() => void>>();
  private readonly policy: Policy;
  private readonly limiter: RateLimiter;
  private lastId: number;
  /** Expiries up to this time have been swept; 0 at start, so the first sweep catches up. */
  private expiredTo = 0;
  private readonly timer: Timer;
  private readonly indexTimer: Timer;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly blobs: BlobStore,
    private readonly log: ConsolaInstance,
    readonly writer: Writer,
    private readonly audit: Audit,
    private readonly metrics: Metrics,
  ) {
    this.lastId = store.messages.maxId();
    this.policy = new Policy(config.policy);
    this.limiter = new RateLimiter(config.limits.sends_per_second, config.limits.send_burst);
    this.timer = setInterval(() => this.sweep(), config.messages.sweep_ms);
    this.timer.unref();
    this.indexTimer = setInterval(() => this.indexSlice(), FTS_SLICE_MS);
    this.indexTimer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.indexTimer);
    this.writer.flush();
  }

  /** Validates, commits, then pushes. Resolves only once the message is durable. */
  async send(sender: Identity, args: WireArgs): Promise<SendOutcome> {
    const now = Date.now();
    const draft = compose(this.store, this.config, sender, args, now);
    for (const r of draft.recipients) this.policy.check(sender.name, r);
    if (sender.kind !== "operator" || this.config.limits.rate_limit_operator) this.limiter.take(sender.name);
    // Blobs first: a crash in between leaves an unreferenced blob (purge sweeps it), never a
    // message whose attachment is missing.
    for (const f of draft.files) await this.blobs.put(f.bytes);
    const window = now - this.config.messages.idempotency_window_ms;
    const committed = await this.writer.write(() => {
      const key = draft.row.idempotency_key;
      const earlier = key === null ? undefined : this.store.messages.findIdempotent(draft.row.sender, key, window);
      if (earlier !== undefined) {
        // A row from before content hashes were kept cannot be compared: it answers as before.
        if (earlier.content_hash !== null && earlier.content_hash !== draft.contentHash) {
          throw new MaestroError("forbidden", `--idempotency-key "${key}": key already used for another message (${formatId(earlier.id)}); use a new key for a new message`);
        }
        return { row: undefined, id: earlier.id };
      }
      // Ids are taken inside the commit, so they follow commit order: FIFO per sender→recipient.
      const id = (this.lastId = Math.max(Date.now() * 1024, this.lastId + 1));
      const row: MessageRow = { ...draft.row, id, thread_id: draft.row.thread_id ?? id };
      this.store.messages.insert(row, draft.recipients, draft.contentHash);
      return { row, id };
    });
    if (!committed.row) {
      const first = this.store.messages.get(committed.id)!;
      return { id: formatId(first.id), recipients: JSON.parse(first.recipients) as string[], duplicate: true };
    }
    if (this.audit.listening) {
      this.audit.publish({ kind: "message", at: new Date(now).toISOString(), event: "sent", id: formatId(committed.id), from: sender.name, to: draft.recipients });
    }
    this.fanOut(committed.row, draft.recipients);
    if (committed.row.in_reply_to !== null) this.changed(committed.row.in_reply_to);
    return { id: formatId(committed.id), recipients: draft.recipients, duplicate: false };
  }

  /** When each identity's hook (`inbox --hook`) last asked, since the daemon started (epoch ms). */
  readonly hookSeen = new Map<string, number>();

  /** The kinds of live subscriber `name` has now. */
  subscribedVia(name: string): Set<NonNullable<Subscriber["via"]>> {
    const via = new Set<NonNullable<Subscriber["via"]>>();
    for (const sub of this.subscribers.get(name) ?? []) if (sub.via) via.add(sub.via);
    return via;
  }

  subscribe(name: string, sub: Subscriber): () => void {
    let set = this.subscribers.get(name);
    if (!set) this.subscribers.set(name, (set = new Set()));
    set.add(sub);
    return () => {
      set.delete(sub);
      if (set.size === 0) this.subscribers.delete(name);
    };
  }

  /**
   * Pushes what `name` is owed (queued, or delivered and unread) to one subscriber, in inbox
   * order: on subscribe, and when a paused subscriber drains.
   */
  async catchUp(name: string, sub: Subscriber, rows: InboxRow[] = this.owed(name)): Promise<void> {
    const now = Date.now();
    for (const row of rows) {
      // The view describes this push as recordPush will store it: a first delivery, or (--ack)
      // one more attempt.
      const counts = row.status === "queued" || row.ack === 1;
      const view = messageView(row, { ...row, status: "delivered", attempts: row.attempts + (counts ? 1 : 0), delivered_at: row.delivered_at ?? now });
      if (!sub.deliver(view)) return;
      await this.recordPush(row, now);
    }
  }

  /**
   * What `name` is owed right now. Taken in the same tick as `subscribe`, it holds exactly the
   * messages fanOut has not pushed to the new subscriber: a send committed later reaches it
   * through fanOut, so a message is never pushed twice on one stream.
   */
  owed(name: string): InboxRow[] {
    return this.store.messages.pendingFor(name, Date.now(), 10_000);
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
      this.changed(r.id);
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
          this.store.messages.recordRedelivery(recipient, m.id, now + this.config.messages.ack_wait_ms);
        }
      }
    });
    this.metrics.counters.deliveries += rows.length;
    for (const m of rows) this.changed(m.id);
  }

  /** Marks the caller's own deliveries read (`read`, `reply`). */
  async markRead(who: Identity, ids: number[]): Promise<void> {
    const now = Date.now();
    await this.writer.write(() => {
      for (const id of ids) this.store.messages.markRead(who.name, id, now);
    });
    ids.forEach((id) => this.changed(id));
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
    rows.forEach((m) => this.changed(m.id));
    return rows.map((m) => formatId(m.id));
  }

  /** Blocks until every recipient has the message delivered / read, or any reply exists. */
  waitFor(who: Identity, idText: string, what: WaitFor, timeoutMs: number, signal?: AbortSignal): Promise<MessageView | null> {
    const m = visibleMessage(this.store, who, idText);
    const check = (): MessageView | null | undefined => {
      if (what === "reply") {
        const r = this.store.messages.firstReply(m.id);
        return r ? messageView(r) : undefined;
      }
      const ds = this.store.messages.deliveriesOf(m);
      const done = what === "delivered" ? ds.every((d) => d.status !== "queued" && !never(d)) : ds.every((d) => d.status === "read" || d.status === "acked");
      return done ? null : undefined;
    };
    // Expiry ends a delivery for good: one that expired unread will never be read, one that
    // expired undelivered will never be delivered. No use waiting out the timeout — at the start,
    // or when the sweeper expires it during the wait.
    const never = (d: DeliveryRow) => d.status === "expired" && (what === "read" || d.delivered_at === null);
    const expired = () => what !== "reply" && this.store.messages.deliveriesOf(m).some(never);
    const expiredError = () => new MaestroError("timeout", `message ${idText} expired (--ttl) before it was ${what}`);
    if (expired()) return Promise.reject(expiredError());
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(m.id);
      if (!set) this.waiters.set(m.id, (set = new Set()));
      const waiters = set;
      const timer = setTimeout(() => {
        cleanup();
        reject(new MaestroError("timeout", `message ${idText} was not ${what === "reply" ? "replied to" : what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const wake = () => {
        const result = check();
        if (result === undefined) {
          if (!expired()) return;
          cleanup();
          reject(expiredError());
          return;
        }
        cleanup();
        resolve(result);
      };
      const abandoned = () => {
        cleanup();
        reject(new MaestroError("unavailable", "the client went away"));
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abandoned);
        waiters.delete(wake);
        if (waiters.size === 0) this.waiters.delete(m.id);
      };
      waiters.add(wake);
      signal?.addEventListener("abort", abandoned);
    });
  }

  /** Waits in progress, for tests of cleanup and for metrics. */
  get pendingWaits(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  private changed(id: number): void {
    for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
  }

  private ackWait(row: { ack: number }): number | null {
    return row.ack === 1 ? this.config.messages.ack_wait_ms : null;
  }

  private fanOut(row: MessageRow, recipients: string[]): void {
    const pushed: string[] = [];
    for (const r of recipients) {
      const subs = this.subscribers.get(r);
      if (!subs) continue;
      const view = messageView(row, { recipient: r, status: "delivered", attempts: 1, delivered_at: Date.now(), read_at: null, acked_at: null, dead_reason: null });
      let took = false;
      for (const sub of subs) took = sub.deliver(view) || took;
      if (took) pushed.push(r);
    }
    if (pushed.length === 0) return;
    this.metrics.counters.deliveries += pushed.length;
    const now = Date.now();
    void this.writer
      .write(() => {
        for (const r of pushed) this.store.messages.markDelivered(r, row.id, now, this.ackWait(row));
      })
      .then(() => this.changed(row.id), (err) => this.log.error("marking delivered failed", err));
  }

  /** After a push to a live subscriber: queued → delivered, or one more delivery attempt. */
  private async recordPush(row: InboxRow, now: number): Promise<void> {
    this.metrics.counters.deliveries++;
    await this.writer.write(() => {
      if (!this.store.messages.markDelivered(row.recipient, row.id, now, this.ackWait(row)) && row.ack === 1) {
        this.store.messages.recordRedelivery(row.recipient, row.id, now + this.config.messages.ack_wait_ms);
      }
    });
    this.changed(row.id);
  }

  /**
   * Brings the full-text index up to date, in batches that each commit on their own so sends
   * waiting behind the indexer wait at most one batch. `search` calls this before querying.
   */
  async indexAll(): Promise<void> {
    while ((await this.writer.write(() => this.store.messages.indexBatch(FTS_BATCH))) > 0) {
      // next batch
    }
  }

  private indexing = false;
  /** Mirrors meta fts_indexed_to, so an idle daemon opens no transaction every tick. */
  private indexedTo = -1;

  private indexSlice(): void {
    if (this.indexing) return;
    if (this.indexedTo < 0) this.indexedTo = this.store.messages.indexedTo();
    if (this.indexedTo >= this.lastId) return;
    this.indexing = true;
    this.writer
      .write(() => {
        this.store.messages.indexBatch(FTS_SLICE);
        return this.store.messages.indexedTo();
      })
      .then((to) => (this.indexedTo = to), (err) => this.log.error("indexing failed", err))
      .finally(() => (this.indexing = false));
  }

  /** Expires TTLs and redelivers (or kills) unacked --ack messages. */
  private sweep(): void {
    const now = Date.now();
    const { max_deliver, ack_wait_ms } = this.config.messages;
    void this.writer
      .write(() => {
        const expired = this.store.messages.expireBetween(this.expiredTo, now);
        this.expiredTo = now;
        // A `send --wait` on a message that just expired will never see it delivered or read.
        if (expired.length > 0) setImmediate(() => expired.forEach((id) => this.changed(id)));
        for (const due of this.store.messages.redeliveryDue(now)) {
          if (due.attempts >= max_deliver) {
            this.store.messages.markDead(due.recipient, due.id, "max_deliver");
            continue;
          }
          const subs = this.subscribers.get(due.recipient);
          const row = this.store.messages.get(due.id);
          const delivery = this.store.messages.delivery(due.recipient, due.id);
          let took = false;
          if (subs && row && delivery) {
            const view = messageView(row, { ...delivery, attempts: delivery.attempts + 1 });
            for (const sub of subs) took = sub.deliver(view) || took;
          }
          if (took) this.store.messages.recordRedelivery(due.recipient, due.id, now + ack_wait_ms);
          else this.store.messages.parkRedelivery(due.recipient, due.id);
        }
      })
      .catch((err) => this.log.error("sweep failed", err));
  }
}
