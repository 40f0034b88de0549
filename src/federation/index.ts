/**
 * Federation through NATS JetStream (SPEC §12, docs/federation.md). Loaded by the daemon only
 * when `[federation] nats` is set. One object per daemon: the connection (retried forever), the
 * stream, this host's durable consumer and the KV directory (each created idempotently), the
 * outbox drainer, and the receiver that verifies, commits and only then acks.
 */
import { readFileSync } from "node:fs";
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, credsAuthenticator, headers, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { FederationPort } from "../broker/federation-port.ts";
import type { Broker } from "../broker/types.ts";
import type { OutboxRow } from "../broker/store/federation.ts";
import { splitAddress } from "../protocol/address.ts";
import type { DirectoryHost, FederationStatus } from "../protocol/results.ts";
import { Directory, type DirectoryEntry } from "./directory.ts";
import { DIRECTORY_BUCKET, durableName, inSubject, parseEnvelope, seal, SIG_HEADER, STREAM, SUBJECTS, verifySig, type Envelope, type MessageBody, type Ref } from "./envelope.ts";
import { loadHostKey, type HostKey } from "./host-key.ts";
import { RemoteControl } from "./control.ts";
import { RemoteTerminals } from "./terminals.ts";
import type { RemoteAttachArgs, RemoteTerminal, RemoteWait } from "../broker/federation-port.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";

/** Outbox rows published per round; each round waits for JetStream's acks, then deletes them. */
const BATCH = 256;
const ACK_WAIT_NS = 5e9;
/** How often this host's own directory entry is compared with what it last wrote. */
const DIRECTORY_EVERY_MS = 1000;
/** …and rewritten at least this often, so `at` tells a reader the host is alive. */
const DIRECTORY_REFRESH_MS = 30_000;

export async function startFederation(broker: Broker): Promise<FederationPort> {
  const key = await loadHostKey(broker.paths.home);
  const fed = new Federation(broker, key);
  fed.start();
  return fed;
}

class Federation implements FederationPort {
  readonly host: string;
  private readonly dir: Directory;
  private readonly remote: RemoteControl;
  private readonly terms: RemoteTerminals;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private kv: KV | undefined;
  private connected = false;
  private closed = false;
  private lastError: string | null = null;
  private draining = false;
  private again = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private dirTimer: ReturnType<typeof setInterval> | undefined;
  private lastEntry = "";
  private lastEntryAt = 0;
  private ensuredAt = 0;
  private readonly counts = { published: 0, received: 0, duplicates: 0, refused: 0 };

  constructor(
    private readonly broker: Broker,
    private readonly key: HostKey,
  ) {
    this.host = broker.config.federation.host;
    this.dir = new Directory({ host: this.host, key: key.publicKey }, broker.store, broker.router.writer, broker.audit);
    this.remote = new RemoteControl(broker, this.host, key, this.dir);
    this.terms = new RemoteTerminals({ broker, host: this.host, key, dir: this.dir, linkMs: broker.config.federation.link_timeout_ms });
  }

  start(): void {
    // Our own entry goes into the local copy at once: `name@<this host>` and ls --all-hosts work offline.
    void this.dir.accept(JSON.stringify(this.ownEntry()));
    void this.run();
  }

  private options(): NodeConnectionOptions {
    const f = this.broker.config.federation;
    const o: NodeConnectionOptions = {
      servers: f.nats.split(",").map((s) => s.trim()),
      name: `maestro@${this.host}`,
      // Never give up: while NATS is away, sends wait in the outbox.
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    };
    if (f.user) Object.assign(o, { user: f.user, pass: f.password });
    if (f.token) o.token = f.token;
    if (f.creds) o.authenticator = credsAuthenticator(readFileSync(f.creds));
    if (f.tls_ca || f.tls_cert) {
      o.tls = { ...(f.tls_ca ? { caFile: f.tls_ca } : {}), ...(f.tls_cert ? { certFile: f.tls_cert, keyFile: f.tls_key } : {}) };
    }
    return o;
  }

  private async run(): Promise<void> {
    try {
      this.nc = await connect(this.options());
    } catch (err) {
      this.fail(err);
      if (!this.closed) setTimeout(() => void this.run(), 1000).unref();
      return;
    }
    if (this.closed) return void this.nc.close();
    void this.watchStatus(this.nc);
    await this.setUp();
  }

  /** Stream, consumer, bucket: created if missing, identical config if present (idempotent). */
  private async ensureObjects(): Promise<void> {
    const nc = this.nc!;
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(STREAM);
    } catch {
      // A 10-minute duplicate window: an outbox row published twice (its ack lost) is stored once.
      await jsm.streams.add({ name: STREAM, subjects: [SUBJECTS], duplicate_window: 10 * 60 * 1e9 }).catch(async (err) => {
        // Another host created it meanwhile.
        await jsm.streams.info(STREAM).catch(() => Promise.reject(err));
      });
    }
    // ack_wait 5 s: what a daemon killed mid-batch had pulled but not acked comes again that soon
    // after it restarts (a commit takes milliseconds; a slow one redelivered is refused as seen).
    const consumer = { durable_name: durableName(this.host), filter_subject: inSubject(this.host), ack_policy: AckPolicy.Explicit, ack_wait: ACK_WAIT_NS, max_ack_pending: 1024 };
    await jsm.consumers.add(STREAM, consumer).catch(async (err) => {
      // Exists with an older config: bring it up to date, or keep it as it is.
      await jsm.consumers.update(STREAM, consumer.durable_name, { ack_wait: ACK_WAIT_NS, max_ack_pending: 1024 }).catch(() => jsm.consumers.info(STREAM, consumer.durable_name).catch(() => Promise.reject(err)));
    });
    this.kv = await new Kvm(nc).create(DIRECTORY_BUCKET, { history: 1 });
    this.ensuredAt = Date.now();
  }

  /** After failures: a server that lost its store (not a restart) gets its objects back. */
  private reensure(): void {
    if (!this.nc || Date.now() - this.ensuredAt < 5000) return;
    this.ensuredAt = Date.now();
    this.ensureObjects().catch((err) => this.fail(err));
  }

  private async setUp(): Promise<void> {
    const nc = this.nc!;
    try {
      await this.ensureObjects();
      this.js = jetstream(nc);
      await this.publishEntry(true);
      this.connected = true;
      this.lastError = null;
      this.dirTimer ??= setInterval(() => void this.publishEntry(false).catch((err) => this.fail(err)), DIRECTORY_EVERY_MS);
      void this.watchDirectory(this.kv!);
      void this.consume();
      this.remote.serve(nc);
      this.terms.serve(nc);
      this.kick();
      this.broker.log.info(`federation: host ${this.host} connected to ${nc.getServer()}`);
    } catch (err) {
      this.fail(err);
      if (!this.closed) setTimeout(() => void this.setUp(), 1000).unref();
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        this.connected = false;
        this.lastError = "disconnected from NATS";
      } else if (s.type === "reconnect") {
        this.connected = this.js !== undefined;
        this.lastError = null;
        this.kick();
        this.terms.reconnected();
      } else if (s.type === "error") {
        this.fail((s as { error?: unknown }).error ?? "error");
      }
    }
  }

  private fail(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    // Retries run every half second while NATS is away: log a failure once, not each time.
    if (!this.closed && msg !== this.lastError) this.broker.log.warn(`federation: ${msg}`);
    this.lastError = msg;
  }

  // --- the directory -------------------------------------------------------------------------

  private ownEntry(): DirectoryEntry {
    const online = new Set([...this.broker.clients].map((c) => c.identity.name));
    for (const s of this.broker.sessions.list()) if (s.running) online.add(s.name);
    else online.delete(s.name);
    const names = this.broker.store.identities
      .list()
      .filter((i) => i.retired_at === null)
      .map((i) => ({ name: i.name, kind: i.kind, presence: online.has(i.name) ? ("online" as const) : ("offline" as const) }));
    return { host: this.host, key: this.key.publicKey, at: Date.now(), names };
  }

  private async publishEntry(force: boolean): Promise<void> {
    if (!this.kv || (!force && !this.connected)) return;
    const e = this.ownEntry();
    const same = JSON.stringify({ ...e, at: 0 });
    if (!force && same === this.lastEntry && Date.now() - this.lastEntryAt < DIRECTORY_REFRESH_MS) return;
    const json = JSON.stringify(e);
    await this.kv.put(this.host, json);
    this.lastEntry = same;
    this.lastEntryAt = Date.now();
    await this.dir.accept(json);
  }

  private async watchDirectory(kv: KV): Promise<void> {
    try {
      const w = await kv.watch();
      for await (const e of w) {
        if (e.operation !== "PUT") continue;
        const ok = await this.dir.accept(e.string());
        // Someone overwrote our entry (without NATS permissions, anyone can): put ours back at once.
        if (!ok && e.key === this.host) await this.publishEntry(true).catch((err) => this.fail(err));
      }
    } catch (err) {
      this.fail(err);
    }
  }

  lookup(name: string, host: string) {
    return this.dir.lookup(name, host);
  }

  directory(): DirectoryHost[] {
    return this.dir.list();
  }

  // --- sending: the outbox ---------------------------------------------------------------------

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

  private async drain(): Promise<void> {
    if (this.draining || this.closed || !this.connected || !this.js) return;
    this.draining = true;
    let failed = false;
    try {
      for (;;) {
        this.again = false;
        const rows = this.broker.store.federation.batch(BATCH);
        if (rows.length === 0) break;
        const results = await Promise.allSettled(rows.map((r) => this.publish(r)));
        const done = rows.filter((_, i) => results[i]!.status === "fulfilled");
        if (done.length > 0) {
          await this.broker.router.writer.write(() => {
            for (const r of done) this.broker.store.federation.done(r.seq);
          });
        }
        const bad = results.find((r) => r.status === "rejected");
        if (bad) {
          failed = true;
          this.fail((bad as PromiseRejectedResult).reason);
          break;
        }
      }
    } catch (err) {
      failed = true;
      this.fail(err);
    } finally {
      this.draining = false;
    }
    // NATS refused or went away: the rows stay and are tried again, in order, soon.
    if (failed && !this.closed) {
      if (this.connected) this.reensure();
      if (this.retry === undefined) this.retry = setTimeout(() => ((this.retry = undefined), void this.drain()), 500);
    } else if (this.again) this.kick();
  }

  /** One outbox row → one signed envelope, stored by JetStream once (Nats-Msg-Id). */
  private async publish(r: OutboxRow): Promise<void> {
    const built = r.kind === "message" ? this.messageEnvelope(r) : this.receiptEnvelope(r);
    if (!built) return; // purged meanwhile: nothing left to send
    const { env, msgId } = built;
    const { data, sig } = await seal(this.key.privateKey, env);
    const h = headers();
    h.set(SIG_HEADER, sig);
    await this.js!.publish(inSubject(r.host), data, { msgID: msgId, headers: h, timeout: 5000 });
    this.counts.published++;
  }

  /** A message id as every host knows it: the host that first committed it, and its id there. */
  private ref(localId: number | null): Ref | null {
    if (localId === null) return null;
    const o = this.broker.store.federation.origin(localId);
    return o ?? { host: this.host, id: localId };
  }

  private messageEnvelope(r: OutboxRow): { env: Envelope; msgId: string } | undefined {
    const m = this.broker.store.messages.get(r.message_id);
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
    return { env: { v: 1, kind: "message", from: this.host, to: r.host, at: Date.now(), body }, msgId: `${this.host}.${m.id}` };
  }

  private receiptEnvelope(r: OutboxRow): { env: Envelope; msgId: string } | undefined {
    const origin = this.broker.store.federation.origin(r.message_id);
    const m = this.broker.store.messages.get(r.message_id);
    if (!origin || !m) return undefined;
    const states = this.broker.store.messages.deliveriesOf(m).flatMap((d) => {
      if (d.status !== "delivered" && d.status !== "read" && d.status !== "acked") return [];
      return [{ name: d.recipient, status: d.status, at: d.acked_at ?? d.read_at ?? d.delivered_at ?? Date.now() }];
    });
    if (states.length === 0) return undefined;
    return { env: { v: 1, kind: "receipt", from: this.host, to: r.host, at: Date.now(), body: { id: origin.id, states } }, msgId: `${this.host}.r.${r.message_id}.${r.seq}` };
  }

  // --- receiving: this host's durable consumer ---------------------------------------------------

  private async consume(): Promise<void> {
    while (!this.closed) {
      try {
        const c = await this.js!.consumers.get(STREAM, durableName(this.host));
        const msgs = await c.consume({ max_messages: 256 });
        for await (const m of msgs) void this.receive(m);
      } catch (err) {
        this.fail(err);
        this.reensure();
      }
      if (!this.closed) await Bun.sleep(1000);
    }
  }

  /** Verify, commit, then ack; anything refused is audited and terminated (never redelivered). */
  private async receive(m: JsMsg): Promise<void> {
    const parsed = parseEnvelope(m.data);
    const from = typeof parsed === "string" ? "?" : parsed.from;
    let settled = false;
    const refuse = (why: string) => {
      settled = true;
      this.counts.refused++;
      this.broker.audit.record(`host:${from}`, "federation.receive", m.subject, "denied", why);
      m.term();
    };
    if (typeof parsed === "string") return refuse(parsed);
    const env = parsed;
    if (env.to !== this.host) return refuse(`addressed to host ${env.to}, not ${this.host}`);
    let key = this.dir.key(env.from);
    if (!key && this.kv) {
      // Its entry may not have reached our watch yet.
      const e = await this.kv.get(env.from).catch(() => null);
      if (e && e.operation === "PUT") await this.dir.accept(e.string());
      key = this.dir.key(env.from);
    }
    if (!key) return refuse(`unknown host ${env.from}: not in the directory`);
    const sig = m.headers?.get(SIG_HEADER) ?? "";
    if (!sig || !(await verifySig(await key, m.data, sig))) return refuse(`bad signature: not signed by host ${env.from}'s key`);
    // The signed time against when JetStream stored it: an old envelope published again is a replay.
    const stored = Number(m.info.timestampNanos) / 1e6;
    const window = this.broker.config.federation.clock_window_ms;
    if (Math.abs(stored - env.at) > window) return refuse(`replayed or clock skewed: signed ${Math.round((stored - env.at) / 1000)} s before JetStream stored it (window ${window / 1000} s)`);
    try {
      if (env.kind === "message") await this.receiveMessage(env.from, env.body, refuse);
      else if (env.kind === "receipt") await this.receiveReceipt(env.from, env.body, refuse);
      else return refuse(`a ${env.kind} envelope in the stream`);
    } catch (err) {
      // Not committed (disk full, store closing): no ack, so JetStream redelivers it.
      this.fail(err);
      m.nak(1000);
      return;
    }
    if (!settled) m.ack();
  }

  private async receiveMessage(host: string, b: MessageBody, refuse: (why: string) => void): Promise<void> {
    const store = this.broker.store;
    const names = b.to.filter((n) => store.identities.get(n));
    if (names.length < b.to.length) {
      const gone = b.to.filter((n) => !names.includes(n));
      this.broker.audit.record(`host:${host}`, "federation.receive", gone.join(","), "error", `message ${host}.${b.id}: no such recipient here any more`);
    }
    if (names.length === 0) return refuse(`message ${host}.${b.id}: none of its recipients is on this host`);
    const local = (r: Ref | null) => (r === null ? null : r.host === this.host ? (store.messages.get(r.id) ? r.id : null) : (store.federation.inbound(r.host, r.id) ?? null));
    const inReplyTo = local(b.in_reply_to);
    const thread = local(b.thread) ?? (inReplyTo !== null ? store.messages.get(inReplyTo)!.thread_id : null);
    const row = await this.broker.router.receive(
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
    if (row) this.counts.received++;
    else {
      // Seen id: a redelivery after a crash, a duplicate publish, or a replay inside the window.
      this.counts.duplicates++;
      this.broker.audit.record(`host:${host}`, "federation.receive", `${host}.${b.id}`, "denied", "duplicate: message id already stored");
    }
  }

  private async receiveReceipt(host: string, b: { id: number; states: { name: string; status: string; at: number }[] }, refuse: (why: string) => void): Promise<void> {
    const m = this.broker.store.messages.get(b.id);
    if (!m || splitAddress(m.sender)) return refuse(`receipt for message ${b.id}, which this host did not send`);
    const { unknown } = await this.broker.router.applyReceipt(
      b.id,
      b.states.map((s) => ({ recipient: `${s.name}@${host}`, status: s.status, at: s.at })),
    );
    if (unknown.length > 0) this.broker.audit.record(`host:${host}`, "federation.receive", String(b.id), "denied", `receipt for ${unknown.join(",")}: not recipients of that message`);
  }

  control(host: string, op: "peek" | "type" | "kill", args: object, caller: Identity): Promise<unknown> {
    if (!this.nc || !this.connected) {
      return Promise.reject(new MaestroError("unavailable", "federation: not connected to NATS; try again when `maestro status` shows connected"));
    }
    return this.remote.call(this.nc, host, op, args, caller);
  }

  private natsOrFail(): NatsConnection {
    if (!this.nc || !this.connected) throw new MaestroError("unavailable", "federation: not connected to NATS; try again when `maestro status` shows connected");
    return this.nc;
  }

  attach(host: string, args: RemoteAttachArgs, caller: Identity): Promise<RemoteTerminal> {
    return Promise.resolve().then(() => this.terms.attach(this.natsOrFail(), host, args, caller));
  }

  wait(host: string, args: object, caller: Identity): Promise<RemoteWait> {
    return Promise.resolve().then(() => this.terms.wait(this.natsOrFail(), host, args, caller));
  }

  status(): FederationStatus {
    return {
      host: this.host,
      nats: this.broker.config.federation.nats,
      connected: this.connected && this.nc !== undefined && !this.nc.isClosed(),
      outbox: this.broker.store.federation.depth(),
      last_error: this.lastError,
      hosts: this.dir.size,
      ...this.counts,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.terms.close();
    clearInterval(this.dirTimer);
    clearTimeout(this.retry);
    await this.nc?.close().catch(() => {});
  }
}
