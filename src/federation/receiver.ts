/**
 * The receiver: this host's durable consumer. Each envelope is verified (schema, address, the
 * pinned key's signature, the clock window), committed, and only then acked; anything refused is
 * audited and terminated, never redelivered.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { Policy } from "../broker/policy.ts";
import { RateLimiter } from "../broker/ratelimit.ts";
import { splitAddress } from "../protocol/address.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { FedContext } from "./context.ts";
import { durableName, inSubject, parseEnvelope, seal, SIG_HEADER, STREAM, verifySig, type Envelope, type MessageBody, type ReceiptBody, type Ref } from "./envelope.ts";

interface Refusal {
  name: string;
  reason: string;
}

export class Receiver {
  /** This host's own rules apply to what other hosts send (their senders are `name@host`). */
  private readonly policy: Policy;
  private readonly limiter: RateLimiter;

  constructor(private readonly f: FedContext) {
    const c = f.broker.config;
    this.policy = new Policy(c.policy);
    this.limiter = new RateLimiter(c.limits.sends_per_second, c.limits.send_burst);
  }

  async consume(): Promise<void> {
    const f = this.f;
    while (!f.closed) {
      try {
        const c = await f.js!.consumers.get(STREAM, durableName(f.host));
        const msgs = await c.consume({ max_messages: 256 });
        for await (const m of msgs) void this.receive(m);
      } catch (err) {
        f.fail(err);
        f.reensure();
      }
      if (!f.closed) await Bun.sleep(1000);
    }
  }

  /** Verify, commit, then ack; anything refused is audited and terminated (never redelivered). */
  private async receive(m: JsMsg): Promise<void> {
    const f = this.f;
    const parsed = parseEnvelope(m.data);
    const from = typeof parsed === "string" ? "?" : parsed.from;
    let settled = false;
    const refuse = (why: string) => {
      settled = true;
      f.counts.refused++;
      f.broker.audit.record(`host:${from}`, "federation.receive", m.subject, "denied", why);
      m.term();
    };
    if (typeof parsed === "string") return refuse(parsed);
    const env = parsed;
    if (env.to !== f.host) return refuse(`addressed to host ${env.to}, not ${f.host}`);
    let key = f.dir.key(env.from);
    if (!key && f.kv) {
      // Its entry may not have reached our watch yet.
      const e = await f.kv.get(env.from).catch(() => null);
      if (e && e.operation === "PUT") await f.dir.accept(e.string());
      key = f.dir.key(env.from);
    }
    if (!key) return refuse(`unknown host ${env.from}: not in the directory`);
    const sig = m.headers?.get(SIG_HEADER) ?? "";
    if (!sig || !(await verifySig(await key, m.data, sig))) return refuse(`bad signature: not signed by host ${env.from}'s key`);
    // The signed time against when JetStream stored it: an old envelope published again is a replay.
    const stored = Number(m.info.timestampNanos) / 1e6;
    const window = f.broker.config.federation.clock_window_ms;
    if (Math.abs(stored - env.at) > window) return refuse(`replayed or clock skewed: signed ${Math.round((stored - env.at) / 1000)} s before JetStream stored it (window ${window / 1000} s)`);
    try {
      if (env.kind === "message") await this.receiveMessages(env.from, [env.body]);
      else if (env.kind === "messages") await this.receiveMessages(env.from, env.body.items);
      else if (env.kind === "receipt") await this.receiveReceipts(env.from, [env.body]);
      else if (env.kind === "receipts") await this.receiveReceipts(env.from, env.body.items);
      else return refuse(`a ${env.kind} envelope in the stream`);
    } catch (err) {
      // Not committed (disk full, store closing): no ack, so JetStream redelivers it.
      f.fail(err);
      m.nak(1000);
      return;
    }
    if (!settled) m.ack();
  }

  /**
   * Every item of a batch is queued for the group commit in the same tick (one transaction);
   * the envelope is acked only when all of them are committed.
   */
  private async receiveMessages(host: string, items: MessageBody[]): Promise<void> {
    await Promise.all(items.map((b) => this.receiveMessage(host, b)));
  }

  private async receiveMessage(host: string, b: MessageBody): Promise<void> {
    const f = this.f;
    const store = f.broker.store;
    const sender = `${b.from}@${host}`;
    if (store.federation.inbound(host, b.id) !== undefined) return this.duplicate(host, b.id);
    const admitted = this.admit(sender, b);
    const { refused } = admitted;
    let { names } = admitted;
    const attachments = names.length > 0 && b.attachments ? await this.attachments(sender, b, names, refused) : null;
    if (attachments === undefined) names = [];
    // Told to the sender before anything is committed here: a crash in between redelivers the
    // envelope and the same receipt is published again (deduplicated by its Nats-Msg-Id).
    if (refused.length > 0) await this.reportDead(host, b.id, refused);
    if (names.length === 0) {
      f.counts.refused++;
      return;
    }
    const local = (r: Ref | null) => (r === null ? null : r.host === f.host ? (store.messages.get(r.id) ? r.id : null) : (store.federation.inbound(r.host, r.id) ?? null));
    const refs = () => {
      const inReplyTo = local(b.in_reply_to);
      return { in_reply_to: inReplyTo, thread_id: local(b.thread) ?? (inReplyTo !== null ? store.messages.get(inReplyTo)!.thread_id : null) };
    };
    const row = await f.broker.router.receive(
      {
        sender,
        recipients: JSON.stringify(names),
        subject: b.subject,
        body: b.body,
        type: b.type,
        priority: b.priority,
        thread_id: null,
        in_reply_to: null,
        metadata: b.metadata,
        attachments: attachments ?? null,
        idempotency_key: null,
        ack: b.ack,
        created_at: b.created_at,
        expires_at: b.expires_at,
      },
      names,
      { host, id: b.id },
      refs,
    );
    if (row) f.counts.received++;
    else this.duplicate(host, b.id);
  }

  /** Seen id: a redelivery after a crash, a duplicate publish, or a replay inside the window. */
  private duplicate(host: string, id: number): void {
    this.f.counts.duplicates++;
    this.f.broker.audit.record(`host:${host}`, "federation.receive", `${host}.${id}`, "denied", "duplicate: message id already stored");
  }

  /**
   * This host's checks on a remote sender, as for a local one: each recipient must exist here
   * and be allowed by `[[policy]]`; the message takes one token of the sender's bucket (a remote
   * operator is exempt, as the local one, unless limits.rate_limit_operator). Each refusal is
   * audited here and goes back to the sender as a dead receipt.
   */
  private admit(sender: string, b: MessageBody): { names: string[]; refused: Refusal[] } {
    const f = this.f;
    const refused: Refusal[] = [];
    const deny = (name: string, reason: string, outcome: "denied" | "error" = "denied") => {
      refused.push({ name, reason: `refused by ${f.host}: ${reason}` });
      f.broker.audit.record(sender, "federation.receive", name, outcome, `message ${sender.split("@")[1]}.${b.id}: ${reason}`);
    };
    const limits = f.broker.config.limits;
    if (b.from !== "operator" || limits.rate_limit_operator) {
      try {
        this.limiter.take(sender);
      } catch (err) {
        if (!(err instanceof MaestroError)) throw err;
        for (const n of b.to) deny(n, err.message);
        return { names: [], refused };
      }
    }
    const names: string[] = [];
    for (const n of b.to) {
      if (!f.broker.store.identities.get(n)) {
        deny(n, `no such recipient here any more`, "error");
        continue;
      }
      try {
        this.policy.check(sender, n);
        names.push(n);
      } catch (err) {
        if (!(err instanceof MaestroError)) throw err;
        deny(n, err.message);
      }
    }
    return { names, refused };
  }

  /**
   * A message's attachments, each under this host's size limit, read from the blob stream and
   * verified by hash, then stored here (once: the blob store is content-addressed). Undefined
   * when one is refused: the message is refused for every recipient (audited, reported back).
   */
  private async attachments(sender: string, b: MessageBody, names: string[], refused: Refusal[]): Promise<string | undefined> {
    const f = this.f;
    const limit = f.broker.config.limits.attachment_bytes;
    let why: string | undefined;
    for (const a of b.attachments!) {
      if (a.size > limit) why = `attachment ${a.name} is ${a.size} bytes, over the limit of ${limit} here (limits.attachment_bytes)`;
      else {
        const got = await f.blobs.fetch(a);
        if (typeof got === "string") why = got;
        else await f.broker.blobs.put(got);
      }
      if (why !== undefined) break;
    }
    if (why === undefined) return JSON.stringify(b.attachments);
    for (const n of names) {
      refused.push({ name: n, reason: `refused by ${f.host}: ${why}` });
      f.broker.audit.record(sender, "federation.receive", n, "denied", `message ${sender.split("@")[1]}.${b.id}: ${why}`);
    }
    return undefined;
  }

  /** A dead receipt straight to the sending host (there is no delivery row here to queue it by). */
  private async reportDead(host: string, originId: number, refused: Refusal[]): Promise<void> {
    const f = this.f;
    const at = Date.now();
    const env: Envelope = { v: 1, kind: "receipt", from: f.host, to: host, at, body: { id: originId, states: refused.map((r) => ({ name: r.name, status: "dead" as const, at, reason: r.reason.slice(0, 1024) })) } };
    const { data, sig } = await seal(f.key.privateKey, env);
    const h = headers();
    h.set(SIG_HEADER, sig);
    await f.js!.publish(inSubject(host), data, { msgID: `${f.host}.x.${host}.${originId}`, headers: h, timeout: 5000 });
  }

  /** Each item moves our deliveries forward (one commit for the batch); a bad item is audited. */
  private async receiveReceipts(host: string, items: ReceiptBody[]): Promise<void> {
    const f = this.f;
    await Promise.all(
      items.map(async (b) => {
        const m = f.broker.store.messages.get(b.id);
        if (!m || splitAddress(m.sender)) {
          f.counts.refused++;
          f.broker.audit.record(`host:${host}`, "federation.receive", String(b.id), "denied", `receipt for message ${b.id}, which this host did not send`);
          return;
        }
        const { unknown } = await f.broker.router.applyReceipt(
          b.id,
          b.states.map((s) => ({ recipient: `${s.name}@${host}`, status: s.status, at: s.at, ...(s.reason === undefined ? {} : { reason: s.reason }) })),
        );
        if (unknown.length > 0) f.broker.audit.record(`host:${host}`, "federation.receive", String(b.id), "denied", `receipt for ${unknown.join(",")}: not recipients of that message`);
      }),
    );
  }
}
