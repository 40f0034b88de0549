/**
 * One remote attachment on the session's host: the attached client's sink is the `out` subject
 * (sealed frames, numbered), paced by the caller's acks like a maestro.v1 WebSocket (at most
 * `sessions.high_water_bytes` unacknowledged; past it the client stalls and catches up from the
 * ring, or gets a fresh screen); the `in` subject brings keystrokes, resizes, acks and the detach.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Attached } from "../broker/attach-client.ts";
import type { AttachSink } from "../pty/attachment.ts";
import { IN, inSubject, LinkKeys, OUT, outSubject, readSize, sizePayload, UNSEQ, publish } from "./attach-wire.ts";
import type { TermContext } from "./attach-serve.ts";

const enc = new TextEncoder();

export class TargetLink {
  /** Attachments that ended, and why, for a caller that resumes after missing the end. */
  static readonly finished = new Map<string, string>();

  private outCounter = 0;
  private pingCounter = UNSEQ;
  /** The last sequenced input frame taken. */
  private inDone = 0;
  private readonly unacked: { counter: number; bytes: number }[] = [];
  private unackedBytes = 0;
  private drainFns: (() => void)[] = [];
  private lastHeard = Date.now();
  private lastSent = Date.now();
  private gapAt = -1;
  private attached: Attached | undefined;
  private readOnly = true;
  private ended = false;
  private badFrames = 0;
  private readonly sub: Subscription;
  private readonly timer: Timer;

  constructor(
    private readonly nc: NatsConnection,
    private readonly t: TermContext,
    readonly id: string,
    readonly caller: string,
    private readonly keys: LinkKeys,
    private readonly onGone: () => void,
  ) {
    this.sub = nc.subscribe(inSubject(t.host, id), { callback: (err, m) => void (err ? undefined : this.onIn(m.data)) });
    const ping = Math.max(200, t.linkMs / 4);
    this.timer = setInterval(() => this.tick(ping), ping);
  }

  bind(a: Attached, readOnly: boolean): void {
    this.attached = a;
    this.readOnly = readOnly;
  }

  sink(): AttachSink {
    const self = this;
    return {
      get open() {
        return !self.ended;
      },
      get backlog() {
        return self.unackedBytes;
      },
      output: (bytes, offset) => this.send(OUT.output, offset, bytes, true),
      redraw: (bytes, offset, cols, rows) => this.send(OUT.redraw, offset, Buffer.concat([sizePayload(cols, rows), bytes]), true),
      event: (e) => this.send(OUT.event, 0, enc.encode(JSON.stringify(e)), false),
      end: (reason) => {
        if (this.ended) return;
        this.send(OUT.end, 0, enc.encode(reason), false);
        this.finish(reason);
      },
      onDrain: (fn) => this.drainFns.push(fn),
    };
  }

  private send(kind: number, offset: number, payload: Uint8Array, paced: boolean): void {
    if (this.ended) return;
    const unseq = kind === OUT.ping;
    const counter = unseq ? ++this.pingCounter : ++this.outCounter;
    publish(this.nc, outSubject(this.t.host, this.id), this.keys.seal({ kind, counter, offset: unseq ? this.outCounter : offset, ack: this.inDone }, payload));
    this.lastSent = Date.now();
    if (paced) {
      this.unacked.push({ counter, bytes: payload.byteLength });
      this.unackedBytes += payload.byteLength;
    }
  }

  private onIn(data: Uint8Array): void {
    if (this.ended) return;
    const f = this.keys.open(data);
    if (!f) {
      // Not sealed with this attachment's key: someone else on the subject. Said once.
      if (this.badFrames++ === 0) this.t.broker.audit.record(`host:${this.caller}`, "federation.attach", this.attached?.session.name ?? "", "denied", `attachment ${this.id.slice(0, 8)}: a frame that failed authentication (dropped)`);
      return;
    }
    this.lastHeard = Date.now();
    this.acked(f.ack);
    if (f.counter >= UNSEQ && f.offset <= this.inDone) return; // ack or ping: nothing more
    if (f.counter < UNSEQ && f.counter <= this.inDone) return; // resent after a resume, already taken
    if (f.counter >= UNSEQ || f.counter > this.inDone + 1) {
      // A frame went missing (a link drop): ask the caller to resume, once per gap.
      if (this.gapAt !== this.inDone) {
        this.gapAt = this.inDone;
        this.send(OUT.gap, 0, new Uint8Array(0), false);
      }
      return;
    }
    this.inDone = f.counter;
    const a = this.attached;
    if (!a) return;
    switch (f.kind) {
      case IN.keys:
        if (!this.readOnly && a.session.running) a.session.input(f.payload);
        break;
      case IN.resize: {
        const { cols, rows } = readSize(f.payload);
        if (cols < 1 || rows < 1) break;
        a.attachment.cols = cols;
        a.attachment.rows = rows;
        if (!this.readOnly) a.session.fitClients();
        break;
      }
      case IN.detach:
        this.finish("detached");
        a.detach();
        break;
    }
  }

  private acked(counter: number): void {
    let freed = false;
    while (this.unacked.length > 0 && this.unacked[0]!.counter <= counter) {
      this.unackedBytes -= this.unacked.shift()!.bytes;
      freed = true;
    }
    if (freed) for (const fn of this.drainFns) fn();
  }

  /** Where the caller's resume continues: the next output frame's number, the last input taken. */
  resumeAt(): { out_next: number; in_done: number } {
    return { out_next: this.outCounter + 1, in_done: this.inDone };
  }

  /** After the resume reply: what was in flight is lost; continue after `since`, or redraw. */
  resume(since: number): void {
    this.lastHeard = Date.now();
    this.unacked.length = 0;
    this.unackedBytes = 0;
    this.gapAt = -1;
    const a = this.attached?.attachment;
    if (!a || this.ended) return;
    if (!a.resumeFrom(since)) {
      a.stalled = false;
      a.sendSnapshot(0);
    }
  }

  private tick(ping: number): void {
    const now = Date.now();
    if (now - this.lastHeard > this.t.linkMs) {
      this.gone(`the link to host ${this.caller} was silent for ${Math.round(this.t.linkMs / 1000)} s`);
      return;
    }
    if (now - this.lastSent >= ping) this.send(OUT.ping, 0, new Uint8Array(0), false);
  }

  /** The caller is gone (link lost, shutdown): the client is removed from the session. */
  gone(why: string): void {
    if (this.ended) return;
    this.t.broker.log.info(`federation: remote attachment ${this.id.slice(0, 8)} from ${this.caller}: ${why}`);
    this.send(OUT.end, 0, enc.encode(why), false);
    this.finish(why);
    this.attached?.detach();
  }

  private finish(reason: string): void {
    this.ended = true;
    clearInterval(this.timer);
    this.sub.unsubscribe();
    this.drainFns = [];
    TargetLink.finished.set(this.id, reason);
    // Kept for a resume that comes after a lost END, then forgotten.
    setTimeout(() => TargetLink.finished.delete(this.id), 2 * this.t.linkMs).unref();
    this.onGone();
  }
}
