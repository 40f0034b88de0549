/**
 * A session's recent output, capped in bytes. Offsets count every byte the program ever wrote, so
 * a reader (the screen tracker) can tell how far it got and whether the ring has already dropped
 * bytes it never read.
 */
export class Ring {
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  /** Offset of the first byte still held. */
  start = 0;

  constructor(readonly cap: number) {}

  /** Offset just past the last byte written. */
  get end(): number {
    return this.start + this.bytes;
  }

  get size(): number {
    return this.bytes;
  }

  /**
   * Keeps `chunk` (by reference: the PTY hands us a fresh buffer each time) and drops the oldest
   * bytes past the cap. `onDrop` sees each dropped piece, oldest first, before it goes.
   */
  push(chunk: Uint8Array, onDrop?: (piece: Uint8Array, offset: number) => void): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    while (this.bytes > this.cap) {
      const first = this.chunks[this.head]!;
      const over = this.bytes - this.cap;
      const piece = over >= first.byteLength ? first : first.subarray(0, over);
      onDrop?.(piece, this.start);
      if (piece === first) {
        this.chunks[this.head++] = EMPTY;
      } else {
        // Copy the kept tail so the dropped part of a large buffer can be freed.
        this.chunks[this.head] = first.slice(over);
      }
      this.bytes -= piece.byteLength;
      this.start += piece.byteLength;
    }
    // Compact the array now and then rather than shift() on every drop.
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The held bytes from `offset` (clamped to what is held) to the end, as chunks. */
  since(offset: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = this.start;
    for (let i = this.head; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      const next = at + c.byteLength;
      if (next > offset) out.push(offset > at ? c.subarray(offset - at) : c);
      at = next;
    }
    return out;
  }

  clear(): void {
    this.chunks.length = 0;
    this.head = 0;
    this.start += this.bytes;
    this.bytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
