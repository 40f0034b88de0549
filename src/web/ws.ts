/**
 * One `maestro.v1` WebSocket: hello, then at most one joined session at a time (its output as
 * binary frames, paced by the client's acks), keystrokes, resizes, and pushed updates for the
 * topics it subscribed to. A browser tab is one more client of the session (broker/attach-client.ts):
 * the same cap, size rule, read-only rule and audit records as `maestro attach`.
 */
import type { ServerWebSocket } from "bun";
import { attachClient, type Attached } from "../broker/attach-client.ts";
import type { Broker } from "../broker/types.ts";
import { ERROR_EXIT, MaestroError } from "../protocol/errors.ts";
import { TYPE_MAX_BYTES } from "../protocol/limits.ts";
import type { AttachEvent } from "../protocol/requests.ts";
import { VERSION } from "../protocol/version.ts";
import { WS_SEQ_BYTES, WS_SUBPROTOCOL, type WsServerMessage } from "../protocol/web.ts";
import type { AttachSink } from "../pty/attachment.ts";
import type { Grants } from "./grants.ts";
import { splitAddress } from "../protocol/address.ts";
import type { RemoteTerminal } from "../broker/federation-port.ts";
import { WsFeed } from "./ws-feed.ts";
import { SCHEMAS, type Kind, type Msg } from "./ws-schemas.ts";
import { Window } from "./ws-window.ts";
import { actorOf, fromToken, type Principal } from "./principal.ts";

export const FEATURES = ["binary-output", "ack-window", "since-resume", "subscribe", "mail", "rates"];


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
  private readonly feed: WsFeed;
  private helloTimer: Timer | undefined;
  closed = false;

  constructor(
    private readonly ws: ServerWebSocket<WsData>,
    private readonly env: WsEnv,
  ) {
    this.feed = new WsFeed(env, (m) => this.send(m));
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
    this.leave("closed");
    this.feed.close();
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
        return this.feed.subscribe(this.principal!, m as Msg<"subscribe">);
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
