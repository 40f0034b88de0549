/**
 * A server-pushed stream: opened by a request, it carries EVENT (JSON) and DATA (raw bytes)
 * frames named by that request's id until END (daemon) or CANCEL (client). Subscriptions and
 * terminal attachment both ride on this.
 */
import type { AttachSink } from "../pty/attachment.ts";
import { FrameKind } from "../protocol/frame.ts";
import { encodeData, encodeJson } from "../protocol/messages.ts";

/** What a stream needs from its connection. */
export interface StreamTransport {
  sendRaw(bytes: Uint8Array): void;
  /** Bytes written but not yet taken by the client's socket. */
  readonly queued: number;
  readonly closed: boolean;
  forget(stream: ServerStream): void;
}

export class ServerStream {
  private ended = false;
  private cancelHandlers: (() => void)[] = [];
  private inputHandler: ((bytes: Uint8Array) => void) | undefined;
  private drainHandlers: (() => void)[] = [];

  constructor(
    readonly id: number,
    private readonly transport: StreamTransport,
  ) {}

  get open(): boolean {
    return !this.ended && !this.transport.closed;
  }

  /** Bytes queued toward this client and not yet read: what backpressure decisions use. */
  get backlog(): number {
    return this.transport.queued;
  }

  event(event: unknown): void {
    if (this.open) this.transport.sendRaw(encodeJson(FrameKind.EVENT, { stream: this.id, event }));
  }

  data(bytes: Uint8Array): void {
    if (this.open) this.transport.sendRaw(encodeData(this.id, bytes));
  }

  /** Ends the stream from the daemon's side. */
  end(reason?: string): void {
    if (!this.open) return;
    this.transport.sendRaw(encodeJson(FrameKind.END, reason === undefined ? { stream: this.id } : { stream: this.id, reason }));
    this.finish();
  }

  /** Called when the client cancels or goes away. */
  onCancel(fn: () => void): void {
    this.cancelHandlers.push(fn);
  }

  /** Raw bytes the client sends on this stream (keyboard input for a terminal). */
  onInput(fn: (bytes: Uint8Array) => void): void {
    this.inputHandler = fn;
  }

  /** Called when the client's socket has taken everything queued. */
  onDrain(fn: () => void): void {
    this.drainHandlers.push(fn);
  }

  /** @internal connection plumbing */
  input(bytes: Uint8Array): void {
    if (this.open) this.inputHandler?.(bytes);
  }

  /** @internal connection plumbing */
  drained(): void {
    for (const fn of this.drainHandlers) fn();
  }

  /** @internal the client cancelled or disconnected */
  cancel(): void {
    if (this.ended) return;
    this.finish();
    for (const fn of this.cancelHandlers) fn();
  }

  private finish(): void {
    this.ended = true;
    this.transport.forget(this);
  }
}

/**
 * An attach stream on the Unix socket: output and redraws alike are DATA frames. `onEnd`: told
 * the reason before the stream ends (a remote terminal forgets its attachment).
 */
export function streamSink(stream: ServerStream, onEnd?: (reason: string) => void): AttachSink {
  return {
    get open() {
      return stream.open;
    },
    get backlog() {
      return stream.backlog;
    },
    output: (bytes) => stream.data(bytes),
    redraw: (bytes) => stream.data(bytes),
    event: (e) => stream.event(e),
    end: (reason) => {
      onEnd?.(reason);
      stream.end(reason);
    },
    onDrain: (fn) => stream.onDrain(fn),
  };
}
