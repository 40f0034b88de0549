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

  constructor(private readonly sock: Writable) {}

  /** Bytes accepted but not yet taken by the kernel. */
  get queued(): number {
    return this.queuedBytes;
  }

  send(bytes: Uint8Array): void {
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
