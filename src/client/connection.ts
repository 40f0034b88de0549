/**
 * The client end of the wire: connect, hello, then requests matched to replies by id. Streams
 * (EVENT/DATA/END frames naming a request) go to whoever opened them.
 */
import type { Socket } from "bun";
import { ERROR_EXIT, MaestroError, isErrorCode, type ErrorCode } from "../protocol/errors.ts";
import { FrameDecoder, FrameKind, type Frame } from "../protocol/frame.ts";
import { decodeData, decodeJson, encodeData, encodeJson, type ErrorBody, type Welcome } from "../protocol/messages.ts";
import { Outbox } from "../protocol/outbox.ts";
import type { ArgsOf, RequestType, ResultOf } from "../protocol/requests.ts";
import { PROTOCOL_VERSION, VERSION } from "../protocol/version.ts";
import { clientTimeoutMs, hasDeadline, noAnswer } from "./deadline.ts";

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  /** The reply's deadline (src/client/deadline.ts); none for long waits. */
  timer?: Timer;
}

export interface StreamHandlers {
  event?(event: unknown): void;
  data?(bytes: Uint8Array): void;
  end?(reason: string | undefined): void;
}

export interface ConnectOptions {
  socket: string;
  token?: string;
  /** For tests of version negotiation only. */
  protocol?: number;
  /** The home's lock file: names the daemon's pid when it does not answer. */
  lock?: string;
  /** Deadline for the welcome and each ordinary reply; 0 = none. Default: MAESTRO_TIMEOUT, else 5 s. */
  timeoutMs?: number;
}

export class Client {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, StreamHandlers>();
  private nextId = 1;
  private closedError: Error | undefined;
  private onWelcome: Pending | undefined;
  private closeWaiters: (() => void)[] = [];
  private welcomeTimer: Timer | undefined;
  private daemonPid: number | undefined;
  private welcomed = false;
  private answer!: Promise<Welcome>;
  /** The hello, until it is written: it goes out with the first request, in one write. */
  private hello: Uint8Array | undefined;

  private constructor(
    private readonly sock: Socket<Client>,
    private readonly outbox: Outbox,
    private readonly opts: ConnectOptions & { timeoutMs: number },
  ) {}

  /**
   * Connects; the hello is written with the first request (or when the welcome is asked for), in
   * one write. Requests need not wait for the welcome — the daemon reads frames in order and runs
   * none before the hello is through, so the hello and the first request share one round trip; if
   * the hello is refused, every request fails with that refusal. Rejects with the socket's errno
   * code when no daemon listens.
   */
  static async connect(opts: ConnectOptions): Promise<Client> {
    const timeoutMs = opts.timeoutMs ?? clientTimeoutMs();
    const started = Date.now();
    const connecting = Bun.connect<Client>({
      unix: opts.socket,
      socket: {
        data: (s, chunk) => s.data.onData(chunk),
        drain: (s) => s.data.outbox.drain(),
        close: (s) => s.data?.onClose(),
        error: (s, err) => s.data?.onClose(err),
      },
    });
    const sock = timeoutMs > 0 ? await withinDeadline(connecting, timeoutMs, opts) : await connecting;
    const client = new Client(sock, new Outbox(sock), { ...opts, timeoutMs });
    sock.data = client;
    client.answer = new Promise<Welcome>((resolve, reject) => (client.onWelcome = { resolve: resolve as (w: unknown) => void, reject }));
    client.answer.catch(() => {}); // also surfaces through the requests, or through `await welcome`
    if (timeoutMs > 0) {
      client.welcomeTimer = setTimeout(() => client.giveUp(), Math.max(1, timeoutMs - (Date.now() - started)));
    }
    client.hello = encodeJson(FrameKind.HELLO, {
      protocol: opts.protocol ?? PROTOCOL_VERSION,
      client: `maestro/${VERSION}`,
      ...(opts.token ? { token: opts.token } : {}),
    });
    return client;
  }

  /** The daemon's answer to our hello (asking for it sends the hello, if no request has). */
  get welcome(): Promise<Welcome> {
    this.write();
    return this.answer;
  }

  /**
   * Whether the welcome has come. A connection that ended before it was never past the hello on
   * the daemon's side, so no request on it ran there: trying again elsewhere is safe.
   */
  get answered(): boolean {
    return this.welcomed;
  }

  /** Writes `bytes`, after the hello if that has not gone yet: one write, one system call. */
  private write(bytes?: Uint8Array): void {
    const hello = this.hello;
    if (hello) {
      this.hello = undefined;
      if (bytes) {
        const both = new Uint8Array(hello.byteLength + bytes.byteLength);
        both.set(hello);
        both.set(bytes, hello.byteLength);
        bytes = both;
      } else bytes = hello;
    }
    if (bytes) this.outbox.send(bytes);
  }

  /**
   * One request. `signal` gives it up: the reply is dropped and the daemon is sent a CANCEL for
   * it, which ends a long wait (`message.wait`) there too.
   */
  request<T extends RequestType>(type: T, args: ArgsOf<T>, signal?: AbortSignal): Promise<ResultOf<T>> {
    const { id, reply } = this.open(type, args);
    if (!signal) return reply;
    if (signal.aborted) this.giveUpRequest(id, signal);
    else {
      const abort = () => this.giveUpRequest(id, signal);
      signal.addEventListener("abort", abort, { once: true });
      reply.then(() => signal.removeEventListener("abort", abort), () => signal.removeEventListener("abort", abort));
    }
    return reply;
  }

  private giveUpRequest(id: number, signal: AbortSignal): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (!this.closedError) this.outbox.send(encodeJson(FrameKind.CANCEL, { stream: id }));
    p.reject(signal.reason instanceof Error ? signal.reason : new Error("cancelled"));
  }

  /**
   * Sends a request whose reply opens a stream; `handlers` get its EVENT, DATA and END frames.
   * The returned id names the stream for `cancel` and `sendData`.
   */
  openStream<T extends RequestType>(type: T, args: ArgsOf<T>, handlers: StreamHandlers): { id: number; reply: Promise<ResultOf<T>> } {
    return this.open(type, args, handlers);
  }

  cancel(stream: number): void {
    if (!this.streams.delete(stream) || this.closedError) return;
    this.outbox.send(encodeJson(FrameKind.CANCEL, { stream }));
  }

  sendData(stream: number, bytes: Uint8Array): void {
    if (!this.closedError) this.outbox.send(encodeData(stream, bytes));
  }

  /** Bytes this client has queued toward the daemon and the socket has not yet taken. */
  get queued(): number {
    return this.outbox.queued;
  }

  private open<T extends RequestType>(type: T, args: ArgsOf<T>, stream?: StreamHandlers): { id: number; reply: Promise<ResultOf<T>> } {
    const id = this.nextId++;
    if (this.closedError) return { id, reply: Promise.reject(this.closedError) };
    if (stream) this.streams.set(id, stream);
    const reply = new Promise<ResultOf<T>>((resolve, reject) => {
      const timer = this.opts.timeoutMs > 0 && hasDeadline(type) ? setTimeout(() => this.giveUp(type), this.opts.timeoutMs) : undefined;
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, ...(timer ? { timer } : {}) });
      this.write(encodeJson(FrameKind.REQUEST, { id, type, args: args as Record<string, unknown> }));
    });
    return { id, reply };
  }

  /** Why the connection ended, once it has: the daemon's fatal error, or "closed". */
  get failure(): Error | undefined {
    return this.closedError;
  }

  /** Resolves when the daemon closes the connection. */
  closed(): Promise<void> {
    if (this.closedError) return Promise.resolve();
    this.write();
    return new Promise((r) => this.closeWaiters.push(r));
  }

  close(): void {
    this.sock.end();
  }

  private onData(chunk: Uint8Array): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.onClose(new MaestroError("protocol", `bad frame from daemon: ${(err as Error).message}`));
      this.sock.end();
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    switch (f.kind) {
      case FrameKind.WELCOME: {
        const welcome = decodeJson(f as Frame & { kind: typeof FrameKind.WELCOME });
        clearTimeout(this.welcomeTimer);
        this.welcomed = true;
        this.daemonPid = welcome.pid;
        this.onWelcome?.resolve(welcome);
        this.onWelcome = undefined;
        return;
      }
      case FrameKind.REPLY: {
        const r = decodeJson(f as Frame & { kind: typeof FrameKind.REPLY });
        const p = this.pending.get(r.id);
        clearTimeout(p?.timer);
        p?.resolve(r.result);
        this.pending.delete(r.id);
        return;
      }
      case FrameKind.ERROR: {
        const e = decodeJson(f as Frame & { kind: typeof FrameKind.ERROR });
        const err = toError(e);
        if (e.id === undefined) {
          // About the connection itself: fail everything waiting on it.
          this.onClose(err);
        } else {
          const p = this.pending.get(e.id);
          clearTimeout(p?.timer);
          p?.reject(err);
          this.pending.delete(e.id);
          this.streams.delete(e.id);
        }
        return;
      }
      case FrameKind.EVENT: {
        const ev = decodeJson(f as Frame & { kind: typeof FrameKind.EVENT });
        this.streams.get(ev.stream)?.event?.(ev.event);
        return;
      }
      case FrameKind.DATA: {
        const d = decodeData(f);
        this.streams.get(d.stream)?.data?.(d.bytes);
        return;
      }
      case FrameKind.END: {
        const end = decodeJson(f as Frame & { kind: typeof FrameKind.END });
        this.streams.get(end.stream)?.end?.(end.reason);
        this.streams.delete(end.stream);
        return;
      }
    }
  }

  private onClose(err?: Error): void {
    if (this.closedError) return;
    this.closedError = err ?? new MaestroError("unavailable", "the daemon closed the connection", { closed_without_reason: true });
    clearTimeout(this.welcomeTimer);
    this.onWelcome?.reject(this.closedError);
    this.onWelcome = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.closedError);
    }
    this.pending.clear();
    for (const s of this.streams.values()) s.end?.("connection closed");
    this.streams.clear();
    for (const w of this.closeWaiters.splice(0)) w();
  }

  /** The daemon missed a deadline: fail everything with a line that says so, and hang up. */
  private giveUp(request?: RequestType): void {
    if (this.closedError) return;
    const pid = this.daemonPid ?? lockHolder(this.opts.lock);
    this.onClose(noAnswer(this.opts.socket, pid, this.opts.timeoutMs, request));
    this.sock.terminate(); // a stopped daemon would never finish a graceful close
  }
}

/**
 * The connect itself within the deadline (a full backlog can hold it); a late socket is closed.
 * By hand rather than Promise.race: that builtin's first call costs start-up time.
 */
function withinDeadline(connecting: Promise<Socket<Client>>, ms: number, opts: ConnectOptions): Promise<Socket<Client>> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(noAnswer(opts.socket, lockHolder(opts.lock), ms));
    }, ms);
    connecting.then(
      (sock) => {
        clearTimeout(timer);
        if (late) sock.terminate();
        else resolve(sock);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** The pid in the home's lock file: read only when a deadline has passed, so never on the fast path. */
function lockHolder(lock: string | undefined): number | undefined {
  if (!lock) return undefined;
  try {
    // Only on the way to an error: node:fs stays off every verb's start-up path.
    const { readFileSync } = require("node:fs") as typeof import("node:fs");
    const pid = Number.parseInt(readFileSync(lock, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function toError(e: ErrorBody): MaestroError {
  return new MaestroError(isErrorCode(e.code) ? e.code : codeForExit(e.exit), e.message, e.details);
}

/** A code this client does not know (a newer daemon's) still exits with the number the daemon sent. */
function codeForExit(exit: number): ErrorCode {
  const match = Object.entries(ERROR_EXIT).find(([, n]) => n === exit);
  return (match?.[0] ?? "internal") as ErrorCode;
}
