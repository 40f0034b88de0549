/**
 * One client connection: framing, the hello handshake, dispatch of requests, and the timers and
 * caps that keep a silent, slow or hostile client from holding memory or a slot for long.
 */
import type { Socket } from "bun";
import { ERROR_EXIT, MaestroError, type ErrorCode } from "../protocol/errors.ts";
import { FrameDecoder, FrameError, FrameKind, MAX_FRAME, MAX_HELLO_FRAME, type Frame } from "../protocol/frame.ts";
import { decodeData, decodeJson, encodeJson, type ErrorBody, type Identity, type JsonBodies, type JsonKind } from "../protocol/messages.ts";
import { Outbox } from "../protocol/outbox.ts";
import { PROTOCOL_VERSION, VERSION } from "../protocol/version.ts";
import { authenticatePeer } from "./auth.ts";
import type { ConnectionLimits, Slot } from "./conn-limits.ts";
import { dispatchRequest } from "./dispatch.ts";
import { ServerStream, type StreamTransport } from "./stream.ts";
import type { Broker, ClientHandle, HandlerTable } from "./types.ts";

export const FEATURES: readonly string[] = [];

let nextId = 1;

export class Connection implements ClientHandle, StreamTransport {
  readonly id = nextId++;
  private helloed = false;
  closed = false;
  private readonly streams = new Map<number, ServerStream>();
  private readonly gone = new AbortController();
  /** Requests still waiting for their reply whose handler took `signal`: a CANCEL naming one ends it. */
  private readonly waiting = new Map<number, AbortController>();
  private who: Identity | undefined;
  private readonly decoder = new FrameDecoder(MAX_HELLO_FRAME);
  private readonly outbox: Outbox;
  private helloTimer: Timer | undefined;
  private frameTimer: Timer | undefined;

  constructor(
    private readonly sock: Socket<Connection>,
    private readonly broker: Broker & { register(c: Connection): void; unregister(c: Connection): void },
    private readonly table: HandlerTable,
  ) {
    this.outbox = new Outbox(sock);
    this.helloTimer = setTimeout(() => {
      this.fail("protocol", `no hello within ${broker.config.daemon.hello_timeout_ms} ms`, true);
    }, broker.config.daemon.hello_timeout_ms);
  }

  get identity(): Identity {
    if (!this.who) throw new Error("identity read before hello");
    return this.who;
  }

  /**
   * Refuses this connection (another uid, too many connections). The answer waits for the
   * client's first bytes: closing a Unix socket with unread data in it resets the peer, and the
   * client would see ECONNRESET instead of the reason. Silent clients meet the hello timeout.
   */
  refuse(code: ErrorCode, message: string, details?: Record<string, unknown>): void {
    this.refusal = { code, message, ...(details ? { details } : {}) };
  }

  private refusal: { code: ErrorCode; message: string; details?: Record<string, unknown> } | undefined;
  /** From SO_PEERCRED, where the kernel says. */
  peerPid: number | undefined;
  /** See ClientHandle.insideSession: set at hello. */
  insideSession: string | undefined;
  private limits: ConnectionLimits | undefined;
  private slot: Slot | undefined;

  /**
   * Takes a slot under the connection caps, or refuses (audited, when the first bytes come). A
   * refused peer that stays silent is dropped after a second: it holds no slot, but an fd.
   */
  admit(limits: ConnectionLimits, pid: number | undefined): void {
    const got = limits.accept(pid);
    if (got instanceof MaestroError) {
      this.refuse(got.code, got.message, got.details);
      clearTimeout(this.helloTimer);
      this.helloTimer = setTimeout(() => this.close(), Math.min(1000, this.broker.config.daemon.hello_timeout_ms));
      return;
    }
    this.limits = limits;
    this.slot = got;
  }
  /** When the connection was accepted: a peer pid whose process started later was reused. */
  private readonly openedAt = performance.now();

  onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.broker.metrics.counters.bytes_in += chunk.byteLength;
    if (this.refusal) {
      const { code, message, details } = this.refusal;
      if (details?.limit !== undefined) this.deny(this.peerPid === undefined ? `connection ${this.id}` : `pid ${this.peerPid}`, new MaestroError(code, message, details));
      else this.fail(code, message, true);
      return;
    }
    this.decoder.append(chunk);
    // Whatever the frames of this chunk answer at once (a welcome, a synchronous reply) leaves
    // in one write; replies that come later (a durable commit) go on their own.
    this.outbox.hold();
    try {
      for (let frame = this.decoder.next(); frame && !this.closed; frame = this.decoder.next()) this.onFrame(frame);
    } catch (err) {
      if (err instanceof FrameError) this.fail("protocol", err.message, true);
      else this.fail("internal", (err as Error).message, true);
      return;
    } finally {
      this.outbox.flush();
    }
    this.armFrameTimer();
  }

  onDrain(): void {
    this.outbox.drain();
    if (this.outbox.queued === 0) for (const s of [...this.streams.values()]) s.drained();
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    if (this.slot) this.limits?.release(this.slot);
    this.slot = undefined;
    this.gone.abort();
    for (const s of [...this.streams.values()]) s.cancel();
    this.broker.unregister(this);
  }

  get queued(): number {
    return this.outbox.queued;
  }

  send<K extends JsonKind>(kind: K, body: JsonBodies[K]): void {
    this.sendRaw(encodeJson(kind, body));
  }

  sendRaw(bytes: Uint8Array): void {
    if (this.closed) return;
    this.broker.metrics.counters.bytes_out += bytes.byteLength;
    this.outbox.send(bytes);
    // Streams apply their own watermarks well below this; this is the last line of defence.
    if (this.outbox.queued > this.broker.config.daemon.max_outbox_bytes) {
      this.broker.log.warn(`connection ${this.id}: ${this.outbox.queued} bytes unread by the client; closing it`);
      this.close();
    }
  }

  forget(stream: ServerStream): void {
    this.streams.delete(stream.id);
  }

  /** Sends a connection-level or request-level error; `fatal` closes the connection after it. */
  fail(code: ErrorCode, message: string, fatal: boolean, id?: number, details?: Record<string, unknown>): void {
    const body: ErrorBody = { code, message, exit: ERROR_EXIT[code] };
    if (id !== undefined) body.id = id;
    if (fatal) body.fatal = true;
    if (details) body.details = details;
    this.send(FrameKind.ERROR, body);
    if (fatal) {
      this.broker.log.info(`connection ${this.id} closed: ${message}`);
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.outbox.flush(); // a held error frame goes out before the end
    this.sock.end();
    this.onClose();
  }

  private onFrame(frame: Frame): void {
    if (!this.helloed) {
      if (frame.kind !== FrameKind.HELLO) {
        this.fail("protocol", "the first frame must be a hello (kind 0x01)", true);
        return;
      }
      this.onHello(decodeJson(frame as Frame & { kind: typeof FrameKind.HELLO }));
      return;
    }
    switch (frame.kind) {
      case FrameKind.REQUEST:
        this.onRequest(decodeJson(frame as Frame & { kind: typeof FrameKind.REQUEST }));
        return;
      case FrameKind.CANCEL: {
        // A cancel of a stream that already ended is not an error: the END may be in flight.
        const { stream } = decodeJson(frame as Frame & { kind: typeof FrameKind.CANCEL });
        const open = this.streams.get(stream);
        if (open) open.cancel();
        else this.waiting.get(stream)?.abort(); // a long wait (message.wait) the client gave up on
        return;
      }
      case FrameKind.DATA: {
        const { stream, bytes } = decodeData(frame);
        this.streams.get(stream)?.input(bytes);
        return;
      }
      case FrameKind.HELLO:
        this.fail("protocol", "hello sent twice", true);
        return;
      default:
        this.fail("protocol", `a client may not send frame kind 0x0${frame.kind.toString(16)}`, true);
    }
  }

  private onHello(hello: JsonBodies[typeof FrameKind.HELLO]): void {
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.fail(
        "incompatible",
        `this client speaks protocol ${hello.protocol} but the daemon (maestro ${VERSION}) speaks protocol ${PROTOCOL_VERSION}; run \`maestro daemon restart\` to start a daemon from the same build as the client`,
        true,
        undefined,
        { client_protocol: hello.protocol, daemon_protocol: PROTOCOL_VERSION, daemon_version: VERSION },
      );
      return;
    }
    let who: Identity;
    try {
      const peer = this.peerPid === undefined ? undefined : { pid: this.peerPid, connectedMsAgo: performance.now() - this.openedAt };
      ({ who, inside: this.insideSession } = authenticatePeer(this.broker, hello.token, peer));
    } catch (err) {
      this.deny(`connection ${this.id}`, err instanceof MaestroError ? err : new MaestroError("internal", String(err)));
      return;
    }
    // authenticate() has asked the registry whether this peer is inside a session: an operator
    // identity here is a tokenless process outside every session, the one the reserve is for.
    const over = this.slot && this.limits?.hello(this.slot, who, hello.token === undefined);
    if (over) {
      this.deny(who.name, over);
      return;
    }
    this.who = who;
    this.helloed = true;
    this.decoder.maxFrame = MAX_FRAME;
    this.broker.register(this);
    this.send(FrameKind.WELCOME, {
      protocol: PROTOCOL_VERSION,
      version: VERSION,
      pid: process.pid,
      features: [...FEATURES],
      identity: this.who,
    });
  }

  /**
   * The one refusal path for a connection: audited (auth failures and connection caps), logged,
   * answered with the error, closed. Cap refusals are audited at most once a second per peer, so
   * a runaway client cannot fill the audit table by reconnecting.
   */
  private deny(actor: string, e: MaestroError): void {
    const limit = typeof e.details?.limit === "string" ? e.details.limit : undefined;
    if (limit === undefined) {
      this.broker.audit.record(actor, "auth", "", "denied", e.message);
      this.broker.metrics.counters.auth_failures++;
    } else if (firstThisSecond(`${actor} ${limit}`)) {
      this.broker.log.warn(`connection ${this.id} refused: ${e.message}`);
      this.broker.audit.record(actor, "connect", limit, "denied", e.message);
    }
    this.fail(e.code, e.message, true, undefined, e.details);
  }

  private onRequest(req: JsonBodies[typeof FrameKind.REQUEST]): void {
    if (this.streams.has(req.id)) {
      this.fail("protocol", `request id ${req.id} names a stream that is still open`, false, req.id);
      return;
    }
    const waiting = this.waiting;
    const gone = this.gone.signal;
    let own: AbortController | undefined;
    const ctx = {
      broker: this.broker,
      client: this,
      requestId: req.id,
      // Made only for handlers that wait (message.wait): ended by the connection closing or a CANCEL.
      get signal(): AbortSignal {
        if (!own) {
          own = new AbortController();
          waiting.set(req.id, own);
        }
        return AbortSignal.any([gone, own.signal]);
      },
      openStream: () => {
        const stream = new ServerStream(req.id, this);
        this.streams.set(req.id, stream);
        return stream;
      },
    };
    const settled = () => own && waiting.get(req.id) === own && waiting.delete(req.id);
    dispatchRequest(this.table, ctx, req.type, req.args, {
      reply: (result) => {
        settled();
        this.send(FrameKind.REPLY, { id: req.id, result: result ?? null });
      },
      fail: (err) => {
        settled();
        this.fail(err.code, err.message, false, req.id, err.details);
      },
    });
  }

  /** A frame must complete within frame_timeout_ms of its first byte: no slow-loris. */
  private armFrameTimer(): void {
    if (this.decoder.pending === 0) {
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
    } else if (!this.frameTimer) {
      this.frameTimer = setTimeout(() => {
        this.fail("protocol", `incomplete frame for ${this.broker.config.daemon.frame_timeout_ms} ms`, true);
      }, this.broker.config.daemon.frame_timeout_ms);
    }
  }

  private clearTimers(): void {
    clearTimeout(this.helloTimer);
    clearTimeout(this.frameTimer);
  }
}

const lastAudited = new Map<string, number>();

function firstThisSecond(key: string): boolean {
  const now = Date.now();
  if (now - (lastAudited.get(key) ?? 0) < 1000) return false;
  if (lastAudited.size > 10_000) lastAudited.clear();
  lastAudited.set(key, now);
  return true;
}
