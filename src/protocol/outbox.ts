/**
 * Bun's sockets write what the kernel takes and return the count; the rest is ours to keep until
 * `drain`. Both ends use this queue, and its byte count is what backpressure decisions read.
 */
export interface Writable {
  write(bytes: Uint8Array): number;
}

export class Outbox {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** Writes gathered between hold() and flush(). */
  private held: Uint8Array[] | undefined;

  constructor(private readonly sock: Writable) {}

  /**
   * From now until flush(), writes are gathered to leave as one: the daemon holds while it reads
   * a chunk, so a welcome and the reply to the request behind it reach the client in one read
   * (one system call here, one wakeup there) instead of two.
   */
  hold(): void {
    this.held ??= [];
  }

  /** Writes what was gathered since hold(), in one write, in order. */
  flush(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || held.length === 0) return;
    let size = 0;
    for (const b of held) size += b.byteLength;
    this.queuedBytes -= size; // send() counts again whatever the kernel does not take
    if (held.length === 1) return this.send(held[0]!);
    const all = new Uint8Array(size);
    let at = 0;
    for (const b of held) {
      all.set(b, at);
      at += b.byteLength;
    }
    this.send(all);
  }

  /** Bytes accepted but not yet taken by the kernel. */
  get queued(): number {
    return this.queuedBytes;
  }

  send(bytes: Uint8Array): void {
    if (this.held) {
      this.held.push(bytes);
      this.queuedBytes += bytes.byteLength; // counted: the caps and watermarks see held bytes too
      return;
    }
    if (this.queue.length === 0) {
      const n = this.sock.write(bytes);
      if (n >= bytes.byteLength) return;
      bytes = bytes.subarray(Math.max(n, 0));
    }
    this.queue.push(bytes);
    this.queuedBytes += bytes.byteLength;
  }

  /** Call from the socket's drain handler. */
  drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.sock.write(head);
      if (n < head.byteLength) {
        const taken = Math.max(n, 0);
        this.queue[0] = head.subarray(taken);
        this.queuedBytes -= taken;
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.byteLength;
    }
  }
}
