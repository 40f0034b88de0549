/**
 * The message router: wires the messaging pieces together behind the one object handlers use.
 * Each job lives in its own file:
 *   send-commit.ts     send/reply → checks → group commit (durable before acknowledged)
 *   fan-out.ts         live subscribers: push on commit, catch-up of what is owed
 *   delivery-marks.ts  delivered / read / acked, each waking the --wait callers
 *   send-wait.ts       `send --wait` (message.wait) waiters
 *   fts-indexer.ts     the full-text index, in slices off the send path
 *   ttl-ack-sweep.ts   TTL expiry, --ack redelivery and max_deliver dead-lettering
 */
import type { ConsolaInstance } from "consola";
import type { MessageView } from "../../protocol/message.ts";
import type { Identity } from "../../protocol/messages.ts";
import type { Audit, SendAudit } from "../audit.ts";
import type { BlobStore } from "../blobs.ts";
import type { Config } from "../config.ts";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/index.ts";
import type { InboxRow, MessageRow } from "../store/messages.ts";
import type { FederationPort } from "../federation-port.ts";
import type { CheckedArgs } from "../../protocol/requests.ts";
import { DeliveryMarks } from "./delivery-marks.ts";
import { FanOut, type Subscriber } from "./fan-out.ts";
import { FtsIndexer } from "./fts-indexer.ts";
import { SendCommit, type SendOutcome } from "./send-commit.ts";
import { SendWaiters, type WaitFor } from "./send-wait.ts";
import { TtlAckSweep } from "./ttl-ack-sweep.ts";
import type { Writer } from "./writer.ts";

export type { SendOutcome, Subscriber, WaitFor };

export class Router {
  private readonly commit: SendCommit;
  private readonly waiters: SendWaiters;
  private readonly marks: DeliveryMarks;
  private readonly fanOut: FanOut;
  /** When each identity's hook (`inbox --hook`) last asked, since the daemon started (epoch ms). */
  readonly hookSeen = new Map<string, number>();
  private readonly indexer: FtsIndexer;
  private readonly sweep: TtlAckSweep;

  constructor(
    private readonly store: Store,
    config: Config,
    blobs: BlobStore,
    log: ConsolaInstance,
    readonly writer: Writer,
    audit: Audit,
    metrics: Metrics,
  ) {
    this.commit = new SendCommit(store, config, blobs, writer, audit);
    this.waiters = new SendWaiters(store);
    this.marks = new DeliveryMarks(store, writer, config.messages, metrics, this.waiters, log);
    this.fanOut = new FanOut(store, this.marks);
    this.indexer = new FtsIndexer(store, writer, log, () => this.commit.lastId);
    this.sweep = new TtlAckSweep(store, writer, config.messages, this.fanOut, this.waiters, log);
  }

  /** Calls `fn` with a message's id whenever one of its deliveries changes (after the write); returns the unsubscribe. */
  watchDeliveries(fn: (id: number) => void): () => void {
    this.waiters.watchers.add(fn);
    return () => this.waiters.watchers.delete(fn);
  }

  close(): void {
    this.sweep.close();
    this.indexer.close();
    this.writer.flush();
  }

  /**
   * Validates, commits, then pushes. Resolves only once the message is durable. `audit`: the
   * "ok" record, written in the same commit as the message.
   */
  async send(sender: Identity, args: CheckedArgs<"send">, audit?: SendAudit): Promise<SendOutcome> {
    const { outcome, row } = await this.commit.commit(sender, args, audit);
    if (row) {
      this.indexer.kick();
      this.fanOut.pushNew(row, outcome.recipients);
      if (row.in_reply_to !== null) this.waiters.changed(row.in_reply_to);
    }
    return outcome;
  }

  /** Federation started: `name@host` recipients resolve through it, and changes kick its outbox. */
  federate(port: FederationPort): void {
    this.commit.remote = port;
    // A delivery change owes at most a receipt: it may wait a few ms to share an envelope.
    this.waiters.onChange = () => port.kick(true);
  }

  /** A message from another host, already verified: commit, then push like a local send. */
  async receive(...args: Parameters<SendCommit["commitInbound"]>): Promise<MessageRow | undefined> {
    const [, recipients] = args;
    const row = await this.commit.commitInbound(...args);
    if (row) {
      this.indexer.kick();
      this.fanOut.pushNew(row, recipients);
      if (row.in_reply_to !== null) this.waiters.changed(row.in_reply_to);
    }
    return row;
  }

  /** Delivery states another host reported for its recipients of our message `id`: forward only. */
  async applyReceipt(id: number, states: { recipient: string; status: string; at: number; reason?: string }[]): Promise<{ applied: number; unknown: string[] }> {
    const unknown: string[] = [];
    let applied = 0;
    await this.writer.write(() => {
      for (const s of states) {
        const r = this.store.federation.applyReceipt(s.recipient, id, s.status, s.at, s.reason);
        if (r === undefined) unknown.push(s.recipient);
        else if (r) applied++;
      }
    });
    if (applied > 0) this.waiters.changed(id);
    return { applied, unknown };
  }

  subscribe(name: string, sub: Subscriber): () => void {
    return this.fanOut.subscribe(name, sub);
  }

  catchUp(name: string, sub: Subscriber, rows?: InboxRow[]): Promise<void> {
    return this.fanOut.catchUp(name, sub, rows);
  }

  owed(name: string): InboxRow[] {
    return this.fanOut.owed(name);
  }
  /** The kinds of live subscriber `name` has now. */
  subscribedVia(name: string): Set<NonNullable<Subscriber["via"]>> {
    return this.fanOut.subscribedVia(name);
  }


  listed(rows: InboxRow[]): Promise<void> {
    return this.marks.listed(rows);
  }

  deliveredTo(recipient: string, idTexts: string[]): Promise<void> {
    return this.marks.deliveredTo(recipient, idTexts);
  }

  markRead(who: Identity, ids: number[]): Promise<void> {
    return this.marks.markRead(who, ids);
  }

  ack(who: Identity, idTexts: string[]): Promise<string[]> {
    return this.marks.ack(who, idTexts);
  }

  waitFor(who: Identity, idText: string, what: WaitFor, timeoutMs: number, signal?: AbortSignal): Promise<MessageView | null> {
    return this.waiters.waitFor(who, idText, what, timeoutMs, signal);
  }

  get pendingWaits(): number {
    return this.waiters.pending;
  }

  indexAll(): Promise<void> {
    return this.indexer.indexAll();
  }
}
