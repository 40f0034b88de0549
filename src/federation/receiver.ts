/**
 * The receiver: this host's durable consumer. Each envelope is verified (schema, address, the
 * pinned key's signature, the clock window), committed, and only then acked; anything refused is
 * audited and terminated, never redelivered.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { splitAddress } from "../protocol/address.ts";
import type { FedContext } from "./context.ts";
import { durableName, parseEnvelope, SIG_HEADER, STREAM, verifySig, type MessageBody, type Ref } from "./envelope.ts";

export class Receiver {
  constructor(private readonly f: FedContext) {}

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
      if (env.kind === "message") await this.receiveMessage(env.from, env.body, refuse);
      else if (env.kind === "receipt") await this.receiveReceipt(env.from, env.body, refuse);
      else return refuse(`a ${env.kind} envelope in the stream`);
    } catch (err) {
      // Not committed (disk full, store closing): no ack, so JetStream redelivers it.
      f.fail(err);
      m.nak(1000);
      return;
    }
    if (!settled) m.ack();
  }

  private async receiveMessage(host: string, b: MessageBody, refuse: (why: string) => void): Promise<void> {
    const f = this.f;
    const store = f.broker.store;
    const names = b.to.filter((n) => store.identities.get(n));
    if (names.length < b.to.length) {
      const gone = b.to.filter((n) => !names.includes(n));
      f.broker.audit.record(`host:${host}`, "federation.receive", gone.join(","), "error", `message ${host}.${b.id}: no such recipient here any more`);
    }
    if (names.length === 0) return refuse(`message ${host}.${b.id}: none of its recipients is on this host`);
    const local = (r: Ref | null) => (r === null ? null : r.host === f.host ? (store.messages.get(r.id) ? r.id : null) : (store.federation.inbound(r.host, r.id) ?? null));
    const inReplyTo = local(b.in_reply_to);
    const thread = local(b.thread) ?? (inReplyTo !== null ? store.messages.get(inReplyTo)!.thread_id : null);
    const row = await f.broker.router.receive(
      {
        sender: `${b.from}@${host}`,
        recipients: JSON.stringify(names),
        subject: b.subject,
        body: b.body,
        type: b.type,
        priority: b.priority,
        thread_id: thread,
        in_reply_to: inReplyTo,
        metadata: b.metadata,
        attachments: null,
        idempotency_key: null,
        ack: b.ack,
        created_at: b.created_at,
        expires_at: b.expires_at,
      },
      names,
      { host, id: b.id },
    );
    if (row) f.counts.received++;
    else {
      // Seen id: a redelivery after a crash, a duplicate publish, or a replay inside the window.
      f.counts.duplicates++;
      f.broker.audit.record(`host:${host}`, "federation.receive", `${host}.${b.id}`, "denied", "duplicate: message id already stored");
    }
  }

  private async receiveReceipt(host: string, b: { id: number; states: { name: string; status: string; at: number }[] }, refuse: (why: string) => void): Promise<void> {
    const f = this.f;
    const m = f.broker.store.messages.get(b.id);
    if (!m || splitAddress(m.sender)) return refuse(`receipt for message ${b.id}, which this host did not send`);
    const { unknown } = await f.broker.router.applyReceipt(
      b.id,
      b.states.map((s) => ({ recipient: `${s.name}@${host}`, status: s.status, at: s.at })),
    );
    if (unknown.length > 0) f.broker.audit.record(`host:${host}`, "federation.receive", String(b.id), "denied", `receipt for ${unknown.join(",")}: not recipients of that message`);
  }
}
