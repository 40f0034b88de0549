/**
 * One `maestro.v1` WebSocket: hello, then at most one joined session at a time (its output as
 * binary frames, paced by the client's acks), keystrokes, resizes, and pushed updates for the
 * topics it subscribed to. A browser tab is one more client of the session (broker/attach-client.ts):
 * the same cap, size rule, read-only rule and audit records as `maestro attach`.
 */
import type { ServerWebSocket } from "bun";
import { z } from "zod";
import { attachClient, type Attached } from "../broker/attach-client.ts";
import { requireOperator } from "../broker/auth.ts";
import { sessionInfo } from "../broker/handlers/ls.ts";
import type { Broker } from "../broker/types.ts";
import { ERROR_EXIT, MaestroError } from "../protocol/errors.ts";
import { TERMINAL, TYPE_MAX_BYTES } from "../protocol/limits.ts";
import type { AttachEvent, DaemonEvent } from "../protocol/requests.ts";
import { VERSION } from "../protocol/version.ts";
import { parseId } from "../protocol/message.ts";
import { MAIL_BACKLOG, RATES_EVERY_MS, WS_SEQ_BYTES, WS_SUBPROTOCOL, type MailView, type WsServerMessage, type WsTopic } from "../protocol/web.ts";
import { messageView } from "../broker/views.ts";
import type { MessageRow } from "../broker/store/messages.ts";
import type { AttachSink } from "../pty/attachment.ts";
import type { Session } from "../pty/session.ts";
import type { Grants } from "./grants.ts";
import { splitAddress } from "../protocol/address.ts";
import type { RemoteTerminal } from "../broker/federation-port.ts";
import { watchRemoteSessions } from "./ws-remote.ts";
import { actorOf, fromToken, type Principal } from "./principal.ts";

export const FEATURES = ["binary-output", "ack-window", "since-resume", "subscribe", "mail", "rates"];

const int = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
const cols = () => int(TERMINAL.minCols, TERMINAL.maxCols);
const rows = () => int(TERMINAL.minRows, TERMINAL.maxRows);
const SCHEMAS = {
  hello: z.strictObject({ type: z.literal("hello"), token: z.string({ error: "must be a string" }).max(4096).optional() }),
  join: z.strictObject({
    type: z.literal("join"),
    session: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).max(64),
    cols: cols(),
    rows: rows(),
    read_only: z.boolean({ error: "must be true or false" }).optional(),
    since: int(0, Number.MAX_SAFE_INTEGER).optional(),
  }),
  resize: z.strictObject({ type: z.literal("resize"), cols: cols(), rows: rows() }),
  ack: z.strictObject({ type: z.literal("ack"), seq: int(0, Number.MAX_SAFE_INTEGER) }),
  leave: z.strictObject({ type: z.literal("leave") }),
  subscribe: z.strictObject({
    type: z.literal("subscribe"),
    topics: z.array(z.enum(["sessions", "messages", "events"], { error: "must be sessions, messages or events" }), { error: "must be a list" }).max(3),
  }),
} as const;
type Kind = keyof typeof SCHEMAS;
type Msg<K extends Kind> = z.output<(typeof SCHEMAS)[K]>;

export interface WsData {
  ip: string;
  /** Set by a login cookie at the upgrade; a hello may still name a token. */
  cookie: Principal | undefined;
  client?: WsClient;
  /** Over a cap: told so and closed on open, never served. */
  refused?: MaestroError;
}

export interface WsEnv {
  broker: Broker;
  grants: Grants;
  windowBytes: number;
  /** Called once when the socket is gone. */
  onClose(c: WsClient): void;
}

let nextWs = 1;

/** Output sent and not yet acknowledged, as ranges of the session's output (and redraws). */
class Window {
  private readonly queue: { start: number; end: number; bytes: number }[] = [];
  unacked = 0;
  /** Output offset just past the last byte sent. */
  sentEnd = 0;

  sent(start: number, end: number, bytes: number, redraw: boolean): void {
    const last = this.queue.at(-1);
    // Contiguous output coalesces into pieces of up to 64 KiB: the queue stays short.
    if (!redraw && last && last.end === start && last.bytes === last.end - last.start && last.bytes < 64 * 1024) {
      last.end = end;
      last.bytes += bytes;
    } else this.queue.push({ start, end, bytes });
    this.unacked += bytes;
    this.sentEnd = Math.max(this.sentEnd, end);
  }

  /** Everything before output offset `seq` reached the client. */
  ack(seq: number): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.end <= seq) {
        this.unacked -= head.bytes;
        this.queue.shift();
        continue;
      }
      if (head.bytes === head.end - head.start && seq > head.start) {
        // Partly acknowledged output.
        const freed = seq - head.start;
        this.unacked -= freed;
        head.bytes -= freed;
        head.start = seq;
      }
      break;
    }
  }

  reset(): void {
    this.queue.length = 0;
    this.unacked = 0;
  }
}

/** Ids for WebSocket clients among the daemon's clients: negative, so they never meet a socket connection's. */
let wsClientIds = 0;

export class WsClient {
  readonly id = nextWs++;
  private principal: Principal | undefined;
  private untrack: (() => void) | undefined;
  private joined: (Attached & { readOnly: boolean; refusedTyping: boolean }) | undefined;
  /** A session of another host (`name@host`), through the federation's remote-terminal bridge. */
  private remote: { name: string; term: RemoteTerminal; readOnly: boolean; refusedTyping: boolean } | undefined;
  private joining = false;
  private readonly window = new Window();
  private drainFns: (() => void)[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly topics = new Set<WsTopic>();
  private readonly hooked = new WeakSet<Session>();
  private helloTimer: Timer | undefined;
  private ratesTimer: Timer | undefined;
  private watching = false;
  /** Messages sent since the last `rates` push. */
  private sentSinceRates = 0;
  /** Each session's output offset at the last `rates` push. */
  private readonly outputAt = new Map<string, number>();
  closed = false;

  constructor(
    private readonly ws: ServerWebSocket<WsData>,
    private readonly env: WsEnv,
  ) {
    this.helloTimer = setTimeout(() => this.fail(new MaestroError("protocol", `no hello within ${env.broker.config.daemon.hello_timeout_ms} ms`), true), env.broker.config.daemon.hello_timeout_ms);
  }

  get ip(): string {
    return this.ws.data.ip;
  }

  /** Logged in through a cookie or a share link: what `--revoke` ends. */
  get webLogin(): boolean {
    return this.principal?.via === "cookie" || this.principal?.kind === "share";
  }

  private send(m: WsServerMessage): void {
    if (!this.closed) this.ws.send(JSON.stringify(m));
  }

  fail(err: MaestroError, fatal: boolean): void {
    this.send({ type: "error", code: err.code, message: err.message, exit: ERROR_EXIT[err.code], ...(fatal ? { fatal: true } : {}) });
    if (fatal) this.close(err.code === "protocol" ? 1002 : 1008, err.message);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    // WebSocket close reasons are at most 123 bytes.
    this.ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
    this.onClose();
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.helloTimer);
    clearInterval(this.ratesTimer);
    this.leave("closed");
    for (const u of this.unsubscribe.splice(0)) u();
    this.untrack?.();
    this.env.onClose(this);
  }

  onDrain(): void {
    for (const fn of this.drainFns) fn();
  }

  onMessage(msg: string | Uint8Array): void {
    if (this.closed) return;
    try {
      if (typeof msg !== "string") return this.onKeys(msg);
      let parsed: unknown;
      try {
        parsed = JSON.parse(msg);
      } catch {
        throw new MaestroError("protocol", 'a text frame must be one JSON object with a "type" (hello, join, resize, ack, leave, subscribe); this one is not JSON');
      }
      const type = (parsed as { type?: unknown } | null)?.type;
      if (typeof type !== "string" || !Object.hasOwn(SCHEMAS, type)) {
        throw new MaestroError("protocol", `unknown message type ${JSON.stringify(type ?? null)}; maestro.v1 clients send hello, join, resize, ack, leave or subscribe`);
      }
      const check = SCHEMAS[type as Kind].safeParse(parsed);
      if (!check.success) {
        const issue = check.error.issues[0];
        const field = issue?.path.map(String).join(".");
        throw new MaestroError("usage", `${type}: ${issue?.code === "unrecognized_keys" ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}` : `"${field}" ${issue?.message ?? "is invalid"}`}`);
      }
      if (!this.principal && type !== "hello") {
        this.fail(new MaestroError("protocol", "the first message must be a hello"), true);
        return;
      }
      this.dispatch(type as Kind, check.data);
    } catch (err) {
      const e = err instanceof MaestroError ? err : new MaestroError("internal", `internal error: ${(err as Error).message}`);
      if (!(err instanceof MaestroError)) this.env.broker.log.error("websocket message failed", err);
      this.fail(e, false);
    }
  }

  private dispatch(type: Kind, m: unknown): void {
    switch (type) {
      case "hello":
        return this.onHello(m as Msg<"hello">);
      case "join":
        return this.onJoin(m as Msg<"join">);
      case "resize":
        return this.onResize(m as Msg<"resize">);
      case "ack":
        return this.onAck(m as Msg<"ack">);
      case "leave":
        if (!this.joined && !this.remote) throw new MaestroError("usage", "leave: not joined to a session");
        return this.leave("left");
      case "subscribe":
        return this.onSubscribe(m as Msg<"subscribe">);
    }
  }

  private onHello(m: Msg<"hello">): void {
    if (this.principal) throw new MaestroError("protocol", "hello sent twice");
    clearTimeout(this.helloTimer);
    const { broker, grants } = this.env;
    let p: Principal | undefined;
    try {
      p = m.token !== undefined ? fromToken(broker, grants, m.token) : this.ws.data.cookie;
    } catch (err) {
      broker.metrics.counters.auth_failures++;
      broker.audit.record(`web ${this.ip}`, "auth", "", "denied", (err as Error).message);
      this.fail(err as MaestroError, true);
      return;
    }
    if (!p) {
      broker.metrics.counters.auth_failures++;
      broker.audit.record(`web ${this.ip}`, "auth", "", "denied", "a WebSocket hello without a token or login cookie");
      this.fail(new MaestroError("unauthorized", "no credentials: log in with the URL `maestro web` prints, or send hello {token}"), true);
      return;
    }
    this.principal = p;
    if (p.kind === "identity") {
      // One of the daemon's clients like a socket connection: a rotated or removed token ends it.
      this.untrack = this.env.broker.track({
        id: -++wsClientIds,
        identity: { name: p.who.name, kind: p.who.kind },
        peerPid: undefined,
        insideSession: undefined,
        fail: (code, message, fatal) => this.fail(new MaestroError(code, message), fatal),
      });
    }
    this.send({
      type: "welcome",
      protocol: WS_SUBPROTOCOL,
      version: VERSION,
      features: [...FEATURES],
      identity: p.kind === "identity" ? { name: p.who.name, kind: p.who.kind } : { name: actorOf(p), kind: "share" },
      scope: p.kind === "share" ? { session: p.share.session, read_only: p.share.readOnly } : null,
      window_bytes: this.env.windowBytes,
    });
  }

  private onJoin(m: Msg<"join">): void {
    const { broker, grants } = this.env;
    const p = this.principal!;
    if (this.joined || this.remote || this.joining) throw new MaestroError("usage", `join: already joined to ${this.joined?.session.name ?? this.remote?.name ?? "a session"}; send leave first`);
    const addr = splitAddress(m.session);
    const fed = broker.federation;
    if (addr && !(fed && addr.host === fed.host)) {
      // Another host's terminal: the operator only (a share link or an agent token never reaches it).
      if (p.kind !== "identity" || p.who.kind !== "operator") {
        broker.audit.record(actorOf(p), "remote.attach", m.session, "denied", `from ${this.ip}: only the operator may open terminals of other hosts`);
        throw new MaestroError("forbidden", "only the operator may open terminals of other hosts");
      }
      if (!fed) throw new MaestroError("not_found", `no session "${m.session}": federation is off here`);
      void this.joinRemote(m, addr.host, addr.name, p.who);
      return;
    }
    if (addr) m = { ...m, session: addr.name };
    let readOnly = m.read_only === true;
    if (p.kind === "share") {
      if (!grants.shareLive(p.share)) throw new MaestroError("unauthorized", "this share link has expired or been revoked");
      if (m.session !== p.share.session) {
        broker.audit.record(actorOf(p), "session.attach", m.session, "denied", `share link for ${p.share.session}, from ${this.ip}`);
        throw new MaestroError("forbidden", `this share link is for session "${p.share.session}" only`);
      }
      if (p.share.readOnly) {
        if (m.read_only === false) throw new MaestroError("forbidden", "this share link is read-only: join with read_only (it cannot type)");
        readOnly = true;
      }
    }
    const who = p.kind === "identity" ? p.who : { name: actorOf(p), kind: "agent" as const };
    const sink = this.sink();
    this.window.reset();
    const attached = attachClient(broker, who, `web${this.id}`, sink, {
      name: m.session,
      cols: m.cols,
      rows: m.rows,
      readOnly,
      ...(m.since !== undefined ? { since: m.since } : {}),
      from: this.ip,
      water: { high: this.env.windowBytes, low: Math.min(broker.config.sessions.low_water_bytes, this.env.windowBytes / 2) },
      // A writable share link types into its own session; anyone else as `attach` would.
      ...(p.kind === "share" ? { mayType: () => {} } : {}),
    }, `websocket ${this.id} from ${this.ip}`);
    this.joined = { ...attached, readOnly, refusedTyping: false };
    this.window.sentEnd = attached.seq;
    this.send({ type: "joined", session: attached.session.name, seq: attached.seq, cols: attached.session.cols, rows: attached.session.rows, read_only: readOnly, resumed: attached.resumed });
  }

  private async joinRemote(m: Msg<"join">, host: string, name: string, who: { name: string; kind: "operator" | "agent" | "session" }): Promise<void> {
    const { broker } = this.env;
    const target = `${name}@${host}`;
    const readOnly = m.read_only === true;
    this.joining = true;
    let term: RemoteTerminal;
    try {
      term = await broker.federation!.attach(host, { name, cols: m.cols, rows: m.rows, read_only: readOnly, ...(m.since !== undefined ? { since: m.since } : {}) }, who);
    } catch (err) {
      broker.audit.record(who.name, "remote.attach", target, "error", `from ${this.ip}: ${(err as Error).message}`);
      this.fail(err instanceof MaestroError ? err : new MaestroError("internal", (err as Error).message), false);
      return;
    } finally {
      this.joining = false;
    }
    if (this.closed) return term.detach();
    this.window.reset();
    const sink = this.sink();
    this.remote = { name: target, term, readOnly, refusedTyping: false };
    this.window.sentEnd = term.seq;
    broker.audit.record(who.name, "remote.attach", target, "ok", [readOnly ? "read-only" : "", `from ${this.ip}`].filter(Boolean).join(" "));
    this.send({ type: "joined", session: target, seq: term.seq, cols: term.cols, rows: term.rows, read_only: readOnly, resumed: term.resumed });
    term.start(sink);
  }

  /** The joined session's bytes, as maestro.v1 frames, accounted against the ack window. */
  private sink(): AttachSink {
    const binary = (bytes: Uint8Array, offset: number) => {
      const frame = new Uint8Array(WS_SEQ_BYTES + bytes.byteLength);
      new DataView(frame.buffer).setBigUint64(0, BigInt(offset));
      frame.set(bytes, WS_SEQ_BYTES);
      this.ws.send(frame);
      this.env.broker.metrics.counters.bytes_out += frame.byteLength;
    };
    let live = true;
    const self = this;
    const sink: AttachSink = {
      get open() {
        return live && !self.closed;
      },
      get backlog() {
        return Math.max(self.window.unacked, self.ws.getBufferedAmount());
      },
      output: (bytes, offset) => {
        if (!sink.open) return;
        binary(bytes, offset);
        this.window.sent(offset, offset + bytes.byteLength, bytes.byteLength, false);
      },
      redraw: (bytes, offset, c, r) => {
        if (!sink.open) return;
        this.send({ type: "screen", seq: offset, cols: c, rows: r });
        binary(bytes, offset);
        this.window.sent(offset, offset, bytes.byteLength, true);
      },
      event: (e: AttachEvent) => {
        if (sink.open) this.send(wsEvent(e));
      },
      end: (reason) => {
        if (!sink.open) return;
        live = false;
        const name = this.joined?.session.name ?? this.remote?.name ?? "";
        this.joined = undefined;
        this.remote = undefined;
        this.drainFns = [];
        this.send({ type: "left", session: name, reason });
      },
      onDrain: (fn) => this.drainFns.push(fn),
    };
    this.leaveSink = () => {
      live = false;
    };
    return sink;
  }

  private leaveSink: () => void = () => {};

  private leave(reason: string): void {
    const r = this.remote;
    if (r) {
      this.remote = undefined;
      this.leaveSink();
      this.drainFns = [];
      r.term.detach();
      this.env.broker.audit.record(this.principal?.kind === "identity" ? this.principal.who.name : "?", "remote.detach", r.name, "ok", `from ${this.ip}`);
      if (reason !== "closed") this.send({ type: "left", session: r.name, reason });
      return;
    }
    const j = this.joined;
    if (!j) return;
    this.joined = undefined;
    this.leaveSink();
    this.drainFns = [];
    j.detach();
    if (reason !== "closed") this.send({ type: "left", session: j.session.name, reason });
  }

  private onKeys(bytes: Uint8Array): void {
    const j = this.joined;
    if (!this.principal) {
      this.fail(new MaestroError("protocol", "the first message must be a hello"), true);
      return;
    }
    const r = this.remote;
    if (r) {
      if (r.readOnly) {
        if (r.refusedTyping) return;
        r.refusedTyping = true;
        throw new MaestroError("forbidden", `joined ${r.name} read-only: keystrokes are not typed`);
      }
      if (bytes.byteLength > TYPE_MAX_BYTES) throw new MaestroError("too_large", `a keystroke frame may carry at most ${TYPE_MAX_BYTES} bytes (1 MiB); this one has ${bytes.byteLength}; nothing was typed`, { limit: "keystrokes" });
      this.env.broker.metrics.counters.bytes_in += bytes.byteLength;
      r.term.input(bytes);
      return;
    }
    if (!j) throw new MaestroError("protocol", "a binary frame (keystrokes) before join: join a session first; nothing was typed");
    if (j.readOnly) {
      // Said once per join: a client that keeps typing is not answered frame by frame.
      if (j.refusedTyping) return;
      j.refusedTyping = true;
      throw new MaestroError("forbidden", `joined ${j.session.name} read-only: keystrokes are not typed`);
    }
    if (bytes.byteLength > TYPE_MAX_BYTES) {
      throw new MaestroError("too_large", `a keystroke frame may carry at most ${TYPE_MAX_BYTES} bytes (1 MiB); this one has ${bytes.byteLength}; nothing was typed`, { limit: "keystrokes" });
    }
    if (!j.session.running) return;
    this.env.broker.metrics.counters.bytes_in += bytes.byteLength;
    j.session.input(bytes);
  }

  private onResize(m: Msg<"resize">): void {
    const r = this.remote;
    if (r) {
      // The session's host refits it; its size as seen from here is the one asked for.
      if (!r.readOnly) r.term.resize(m.cols, m.rows);
      this.send({ type: "resized", cols: m.cols, rows: m.rows });
      return;
    }
    const j = this.joined;
    if (!j) throw new MaestroError("usage", "resize: not joined to a session");
    j.attachment.cols = m.cols;
    j.attachment.rows = m.rows;
    if (!j.readOnly) j.session.fitClients();
    this.send({ type: "resized", cols: j.session.cols, rows: j.session.rows });
  }

  private onAck(m: Msg<"ack">): void {
    if (!this.joined && !this.remote) return; // an ack racing a leave or an exit
    if (m.seq > this.window.sentEnd) throw new MaestroError("usage", `ack: seq ${m.seq} is past the output sent so far (${this.window.sentEnd})`);
    this.window.ack(m.seq);
    this.onDrain();
  }

  private onSubscribe(m: Msg<"subscribe">): void {
    const p = this.principal!;
    const { broker } = this.env;
    if (p.kind === "share") throw new MaestroError("forbidden", "a share link sees its one session only: it cannot subscribe");
    if (m.topics.some((t) => t !== "sessions")) requireOperator(p.who, "subscribe to messages and events");
    const fresh = m.topics.filter((t) => !this.topics.has(t));
    for (const t of fresh) this.topics.add(t);
    if (fresh.length > 0 && this.unsubscribe.length === 0) {
      this.unsubscribe.push(broker.audit.listen((e) => this.onDaemonEvent(e)));
    }
    this.send({ type: "subscribed", topics: [...this.topics] });
    // Every session as it is now, then its changes: one ordered stream, so no list races a push.
    if (fresh.includes("sessions")) {
      for (const s of broker.sessions.list()) {
        this.hook(s);
        this.pushSession(s.name, s);
      }
      // Other hosts' sessions (federation on) follow, as the directory has them.
      if (p.kind === "identity" && p.who.kind === "operator") this.unsubscribe.push(watchRemoteSessions(broker, (name, session) => this.send({ type: "session", name, session })));
    }
    if ((fresh.includes("messages") || fresh.includes("sessions")) && !this.watching) {
      // Status changes (delivered, read, acked, expired, dead), coalesced per message and tick;
      // a recipient session's unread count moves with them.
      this.watching = true;
      const due = new Set<number>();
      this.unsubscribe.push(
        broker.router.watchDeliveries((id) => {
          if (due.size === 0) queueMicrotask(() => {
            for (const i of due) {
              const row = broker.store.messages.get(i);
              if (!row) continue;
              if (this.topics.has("messages")) this.send({ type: "mail", message: this.mailView(row) });
              this.pushRecipients(JSON.parse(row.recipients) as string[]);
            }
            due.clear();
          });
          due.add(id);
        }),
      );
    }
    if (fresh.includes("messages")) {
      const recent = broker.store.messages.history({ party: undefined, sinceId: 0, limit: MAIL_BACKLOG });
      for (const m of recent.reverse()) this.send({ type: "mail", message: this.mailView(m) });
    }
    if (fresh.includes("events")) {
      this.rates();
      this.ratesTimer = setInterval(() => this.send(this.rates()), RATES_EVERY_MS);
    }
  }

  private mailView(m: MessageRow): MailView {
    const v = messageView(m);
    return { ...v, deliveries: this.env.broker.store.messages.deliveriesOf(m).map((d) => ({ recipient: d.recipient, status: d.status })) };
  }

  /** Messages sent and terminal output (all sessions) per second since the last call. */
  private rates(): WsServerMessage & { type: "rates" } {
    let bytes = 0;
    const seen = new Set<string>();
    for (const s of this.env.broker.sessions.list()) {
      seen.add(s.name);
      const end = s.ring.end;
      bytes += Math.max(0, end - (this.outputAt.get(s.name) ?? end));
      this.outputAt.set(s.name, end);
    }
    for (const name of this.outputAt.keys()) if (!seen.has(name)) this.outputAt.delete(name);
    const msgs = this.sentSinceRates;
    this.sentSinceRates = 0;
    const per = 1000 / RATES_EVERY_MS;
    return { type: "rates", at: new Date().toISOString(), messages_per_s: msgs * per, bytes_per_s: bytes * per };
  }

  /** Session updates come from audit records (new, attach, kill, rm…) and from exits, which are not audited. */
  private onDaemonEvent(e: DaemonEvent): void {
    if (this.topics.has("events")) this.send({ type: "event", event: e });
    if (e.kind === "message") {
      if (e.event === "sent") {
        this.sentSinceRates++;
        this.pushRecipients(e.to);
      }
      if (this.topics.has("messages")) {
        this.send({ type: "message", event: e });
        const row = this.env.broker.store.messages.get(parseId(e.id));
        if (row) this.send({ type: "mail", message: this.mailView(row) });
      }
      return;
    }
    if (this.topics.has("sessions") && e.action.startsWith("session.") && e.outcome === "ok" && e.target) {
      const s = this.env.broker.sessions.has(e.target) ? this.env.broker.sessions.get(e.target) : undefined;
      if (s) this.hook(s);
      this.pushSession(e.target, s);
    }
  }

  /** Sessions among a message's recipients: their unread counts changed. */
  private pushRecipients(names: readonly string[]): void {
    if (!this.topics.has("sessions")) return;
    const { sessions } = this.env.broker;
    for (const n of names) if (sessions.has(n)) this.pushSession(n, sessions.get(n));
  }

  private hook(s: Session): void {
    if (this.hooked.has(s)) return;
    this.hooked.add(s);
    this.unsubscribe.push(
      s.on((e) => {
        if (e.type === "exit") queueMicrotask(() => this.pushSession(s.name, this.env.broker.sessions.has(s.name) ? s : undefined));
      }),
    );
  }

  private pushSession(name: string, s: Session | undefined): void {
    this.send({ type: "session", name, session: s ? sessionInfo(this.env.broker, s) : null });
  }
}

/** An attach event as its maestro.v1 message (a browser draws the banner as an overlay). */
function wsEvent(e: AttachEvent): WsServerMessage {
  switch (e.type) {
    case "exit":
      return { type: "exit", code: e.code, signal: e.signal, restarting: e.restarting };
    case "restarted":
      return { type: "restarted", pid: e.pid };
    case "banner":
      return { type: "banner", text: e.text, ids: e.ids, priority: e.priority };
    case "banner_clear":
      return { type: "banner_clear" };
  }
}
