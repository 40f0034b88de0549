/**
 * The attaching host's side of a remote terminal: a signed open on `maestro.fed.term.<host>`,
 * then the subject pair. Output frames are taken in number order (a gap, a NATS reconnect or a
 * silence means frames were lost: a signed resume asks for everything after the last output
 * offset delivered, so nothing is lost or doubled), acknowledged once the client's socket has room
 * (so a slow client slows only its own window), and input frames are kept until the session's
 * host confirms them, to be sent again after a resume. A link silent for `link_timeout_ms` ends
 * the attachment with a line that says so.
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import type { RemoteAttachArgs, RemoteTerminal, TerminalSink } from "../broker/federation-port.ts";
import { isErrorCode, MaestroError } from "../protocol/errors.ts";
import type { AttachEvent } from "../protocol/results.ts";
import { signed, verifyTerm, type TermContext } from "./attach-serve.ts";
import { ephemeral, IN, inSubject, LinkKeys, newId, newNonce, OUT, outSubject, readSize, sizePayload, termSubject, UNSEQ, type Frame, type TermEnvelope, publish } from "./attach-wire.ts";

const OPEN_TIMEOUT_MS = 4000;
/** Input frames kept for a resend at most; past it the attachment ends rather than lose keys. */
const MAX_UNCONFIRMED = 4 * 1024 * 1024;

/** A signed request to the session's host, its reply verified (nonce, addresses, signature). */
export async function termRequest<K extends "term-open" | "term-resume" | "wait">(
  t: TermContext,
  nc: NatsConnection,
  host: string,
  kind: K,
  body: TermEnvelope<K>["body"],
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const s = await signed(t, kind, host, body as never);
  let m: Msg;
  try {
    m = await nc.request(termSubject(host), s.data, { timeout: timeoutMs, headers: s.opts.headers });
  } catch (err) {
    const msg = (err as Error).message;
    if (/no responders/i.test(msg)) throw new MaestroError("unavailable", `host ${host} is not answering: its daemon is down or not connected to NATS`);
    throw new MaestroError("timeout", `host ${host} did not answer within ${timeoutMs / 1000} s (${msg})`);
  }
  const reply = await verifyTerm(t, m);
  if (typeof reply === "string" || reply.from !== host || !("nonce" in reply.body) || reply.body.nonce !== (body as { nonce: string }).nonce) {
    t.broker.audit.record(`host:${host}`, "federation.attach", "", "denied", `a reply that failed verification: ${typeof reply === "string" ? reply : "wrong host or nonce"}`);
    throw new MaestroError("internal", `the reply from host ${host} failed verification (signature, nonce or address); see \`maestro audit\``);
  }
  const r = reply.body as Record<string, unknown> & { ok: boolean; error?: { code: string; message: string } };
  if (!r.ok) {
    const e = r.error ?? { code: "internal", message: "failed" };
    throw new MaestroError(isErrorCode(e.code) ? e.code : "internal", `${host}: ${e.message}`);
  }
  return r;
}

export class CallerLink implements RemoteTerminal {
  name = "";
  cols = 0;
  rows = 0;
  detachKey = "";
  seq = 0;
  resumed = false;
  private keys: LinkKeys | undefined;
  private sink: TerminalSink | undefined;
  /** Before the keys (raw) or the sink, and during a resume: held, then taken in order. */
  private raw: Uint8Array[] = [];
  private held: Frame[] = [];
  private outNext = 1;
  /** Output offset delivered up to (-1 before the first screen). */
  private got = -1;
  private takenTo = 0;
  private ackedTo = 0;
  private ackQueued = false;
  private inCounter = 0;
  private pingCounter = UNSEQ;
  private unconfirmed: { counter: number; frame: Uint8Array }[] = [];
  private unconfirmedBytes = 0;
  private resuming = false;
  /** A resume that failed (the other side not back yet): tried again on every tick. */
  private resumeDue = false;
  private lastHeard = Date.now();
  private lastSent = Date.now();
  private done = false;
  private badFrames = 0;
  private readonly id = newId();
  private sub: Subscription | undefined;
  private timer: Timer | undefined;
  private readonly hold: number;

  constructor(
    private readonly t: TermContext,
    private readonly nc: NatsConnection,
    readonly host: string,
    private readonly onGone: () => void,
  ) {
    this.hold = Math.max(64 * 1024, t.broker.config.sessions.high_water_bytes);
  }

  async open(args: RemoteAttachArgs): Promise<void> {
    const eph = ephemeral();
    // Subscribed (and the server told) before the open: the first frames follow its reply closely.
    this.sub = this.nc.subscribe(outSubject(this.host, this.id), { callback: (err, m) => void (err ? undefined : this.onOut(m.data)) });
    await this.nc.flush();
    let r: Record<string, unknown>;
    try {
      r = await termRequest(this.t, this.nc, this.host, "term-open", { nonce: newNonce(), id: this.id, caller: "operator", dh: eph.pub, args: { ...args } }, OPEN_TIMEOUT_MS);
    } catch (err) {
      this.sub.unsubscribe();
      throw err;
    }
    this.keys = LinkKeys.derive(eph.priv, String(r.dh), this.id, "caller");
    this.name = String(r.name);
    this.cols = Number(r.cols);
    this.rows = Number(r.rows);
    this.detachKey = String(r.detach_key ?? "");
    this.seq = Number(r.seq ?? 0);
    this.resumed = r.resumed === true;
    const ping = Math.max(200, this.t.linkMs / 4);
    this.lastHeard = Date.now();
    this.timer = setInterval(() => this.tick(ping), ping);
  }

  start(sink: TerminalSink): void {
    this.sink = sink;
    sink.onDrain(() => this.maybeAck());
    const raw = this.raw.splice(0);
    for (const d of raw) this.onOut(d);
    this.flushHeld();
  }

  private onOut(data: Uint8Array): void {
    if (this.done) return;
    if (!this.keys) {
      this.raw.push(data);
      return;
    }
    const f = this.keys.open(data);
    if (!f) {
      if (this.badFrames++ === 0) this.t.broker.audit.record(`host:${this.host}`, "federation.attach", this.name, "denied", `attachment ${this.id.slice(0, 8)}: a frame that failed authentication (dropped)`);
      return;
    }
    this.lastHeard = Date.now();
    this.confirmed(f.ack);
    if (f.counter >= UNSEQ) {
      // A ping names the last frame sent before it: not here and not held means lost.
      if (f.offset >= this.outNext && this.sink && !this.resuming && this.held.length === 0) void this.resume();
      return;
    }
    if (!this.sink || this.resuming) {
      this.held.push(f);
      return;
    }
    this.take(f);
  }

  private take(f: Frame): void {
    if (f.counter < this.outNext) return; // in flight before a resume, or seen
    if (f.counter > this.outNext) {
      // Something between was lost: resume from what reached the client.
      this.held.push(f);
      void this.resume();
      return;
    }
    this.outNext++;
    const sink = this.sink!;
    switch (f.kind) {
      case OUT.output: {
        if (this.got >= 0 && f.offset > this.got) {
          // Bytes between were never sent to us: not something to show as is.
          this.outNext--;
          this.held.push(f);
          void this.resume();
          return;
        }
        let bytes = f.payload;
        let offset = f.offset;
        if (this.got >= 0 && offset < this.got) {
          bytes = bytes.subarray(Math.min(bytes.byteLength, this.got - offset));
          offset = this.got;
        }
        if (bytes.byteLength > 0) sink.output(bytes, offset);
        this.got = Math.max(this.got, f.offset + f.payload.byteLength);
        break;
      }
      case OUT.redraw: {
        const { cols, rows } = readSize(f.payload);
        sink.redraw(f.payload.subarray(4), f.offset, cols, rows);
        this.got = f.offset;
        break;
      }
      case OUT.event:
        sink.event(JSON.parse(new TextDecoder().decode(f.payload)) as AttachEvent);
        break;
      case OUT.end:
        return this.finish(new TextDecoder().decode(f.payload));
      case OUT.gap:
        void this.resume();
        return;
    }
    this.takenTo = f.counter;
    this.maybeAck();
  }

  private flushHeld(): void {
    const held = this.held.sort((a, b) => a.counter - b.counter);
    this.held = [];
    for (const f of held) if (!this.done && !this.resuming) this.take(f);
    else if (!this.done) this.held.push(f);
  }

  /** Acks what was taken, unless the client's socket is full (its drain acks later). */
  private maybeAck(): void {
    if (this.done || !this.sink || this.takenTo <= this.ackedTo || this.sink.backlog > this.hold) return;
    this.ackedTo = this.takenTo;
    if (this.ackQueued) return;
    this.ackQueued = true;
    queueMicrotask(() => {
      this.ackQueued = false;
      this.send(IN.ack, new Uint8Array(0));
    });
  }

  private confirmed(counter: number): void {
    while (this.unconfirmed.length > 0 && this.unconfirmed[0]!.counter <= counter) this.unconfirmedBytes -= this.unconfirmed.shift()!.frame.byteLength;
  }

  private send(kind: number, payload: Uint8Array): void {
    if (this.done || !this.keys) return;
    const unseq = kind === IN.ack || kind === IN.ping;
    const counter = unseq ? ++this.pingCounter : ++this.inCounter;
    const frame = this.keys.seal({ kind, counter, offset: unseq ? this.inCounter : 0, ack: this.ackedTo }, payload);
    publish(this.nc, inSubject(this.host, this.id), frame);
    this.lastSent = Date.now();
    if (unseq) return;
    this.unconfirmed.push({ counter, frame });
    this.unconfirmedBytes += frame.byteLength;
    if (this.unconfirmedBytes > MAX_UNCONFIRMED) this.finish(`the link to host ${this.host}: ${MAX_UNCONFIRMED >> 20} MiB of input unconfirmed`);
  }

  input(bytes: Uint8Array): void {
    this.send(IN.keys, bytes);
  }

  resize(cols: number, rows: number): void {
    this.send(IN.resize, sizePayload(cols, rows));
  }

  detach(): void {
    this.send(IN.detach, new Uint8Array(0));
    this.finish("detached");
  }

  /** Frames may have been lost (a gap, a reconnect, a silence): continue after what the client has. */
  async resume(): Promise<void> {
    if (this.resuming || this.done || !this.keys) return;
    this.resuming = true;
    try {
      const r = await termRequest(this.t, this.nc, this.host, "term-resume", { nonce: newNonce(), id: this.id, since: Math.max(0, this.got) }, Math.min(OPEN_TIMEOUT_MS, Math.max(500, this.t.linkMs / 2)));
      if (typeof r.end === "string") return this.finish(r.end);
      this.resumeDue = false;
      this.outNext = Number(r.out_next);
      this.confirmed(Number(r.in_done));
      this.lastHeard = Date.now();
      // Input the other side never took goes again, byte for byte (same numbers, same seals).
      for (const u of this.unconfirmed) publish(this.nc, inSubject(this.host, this.id), u.frame);
      this.t.broker.log.info(`federation: remote attachment ${this.id.slice(0, 8)} to ${this.name}@${this.host} resumed after output offset ${Math.max(0, this.got)} (${this.unconfirmed.length} input frames sent again)`);
    } catch (err) {
      const e = err as MaestroError;
      // The attachment is gone there: nothing to resume. Else the next tick tries again.
      if (e.code === "not_found") return this.finish(`the link to host ${this.host}: ${e.message}`);
      this.resumeDue = true;
      return;
    } finally {
      this.resuming = false;
    }
    this.flushHeld();
  }

  private tick(ping: number): void {
    const silent = Date.now() - this.lastHeard;
    if (silent > this.t.linkMs) {
      this.send(IN.detach, new Uint8Array(0)); // in case only the other direction is down
      return this.finish(`the link to host ${this.host}: nothing heard for ${Math.round(silent / 1000)} s (link_timeout_ms ${this.t.linkMs})`);
    }
    if (silent > 2 * ping || this.resumeDue) void this.resume();
    if (Date.now() - this.lastSent >= ping) this.send(IN.ping, new Uint8Array(0));
  }

  private finish(reason: string): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    this.sub?.unsubscribe();
    this.sink?.end(reason);
    this.onGone();
  }

  close(why: string): void {
    this.send(IN.detach, new Uint8Array(0));
    this.finish(why);
  }
}
