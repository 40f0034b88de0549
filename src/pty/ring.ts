/**
 * A session's recent output, capped in bytes. Offsets count every byte the program ever wrote, so
 * a reader (the screen tracker) can tell how far it got and whether the ring has already dropped
 * bytes it never read.
 *
 * The bytes are copied into one circular buffer rather than kept as the PTY's chunks: a copy is
 * cheap, while megabytes of retained chunks per session keep the garbage collector busy on the
 * relay's hot path. The buffer grows by doubling up to the cap, so an idle shell holds little.
 */
const INITIAL = 16 * 1024;

export class Ring {
  private buf = new Uint8Array(0);
  /** Index in `buf` of the oldest byte held. */
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
   * Appends `chunk`, dropping the oldest bytes past the cap. `onDrop` sees each dropped piece,
   * oldest first, before it is overwritten (a view: use it before returning).
   */
  push(chunk: Uint8Array, onDrop?: (piece: Uint8Array, offset: number) => void): void {
    if (chunk.byteLength === 0) return;
    if (chunk.byteLength >= this.cap) {
      this.drop(this.bytes, onDrop);
      const cut = chunk.byteLength - this.cap;
      if (cut > 0) {
        onDrop?.(chunk.subarray(0, cut), this.start);
        this.start += cut;
        chunk = chunk.subarray(cut);
      }
    }
    const over = this.bytes + chunk.byteLength - this.cap;
    if (over > 0) this.drop(over, onDrop);
    this.reserve(this.bytes + chunk.byteLength);
    const size = this.buf.byteLength;
    const at = (this.head + this.bytes) % size;
    const first = Math.min(chunk.byteLength, size - at);
    this.buf.set(first === chunk.byteLength ? chunk : chunk.subarray(0, first), at);
    if (first < chunk.byteLength) this.buf.set(chunk.subarray(first), 0);
    this.bytes += chunk.byteLength;
  }

  /** The held bytes from `offset` (clamped to what is held) to the end, as views (at most two). */
  since(offset: number): Uint8Array[] {
    const skip = Math.max(0, Math.min(offset - this.start, this.bytes));
    return this.views(skip, this.bytes - skip);
  }

  clear(): void {
    this.start += this.bytes;
    this.bytes = 0;
    this.head = 0;
  }

  private drop(n: number, onDrop?: (piece: Uint8Array, offset: number) => void): void {
    if (n <= 0) return;
    if (onDrop) {
      let at = this.start;
      for (const piece of this.views(0, n)) {
        onDrop(piece, at);
        at += piece.byteLength;
      }
    }
    this.head = this.buf.byteLength === 0 ? 0 : (this.head + n) % this.buf.byteLength;
    this.bytes -= n;
    this.start += n;
  }

  /** `len` held bytes starting `skip` bytes after the oldest, as one or two views. */
  private views(skip: number, len: number): Uint8Array[] {
    if (len <= 0) return [];
    const size = this.buf.byteLength;
    const from = (this.head + skip) % size;
    const first = Math.min(len, size - from);
    const out = [this.buf.subarray(from, from + first)];
    if (first < len) out.push(this.buf.subarray(0, len - first));
    return out;
  }

  /** Grows the buffer (doubling, up to the cap) to hold `need` bytes, keeping them in order. */
  private reserve(need: number): void {
    if (need <= this.buf.byteLength) return;
    let size = Math.max(INITIAL, this.buf.byteLength);
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.cap));
    let at = 0;
    for (const v of this.views(0, this.bytes)) {
      next.set(v, at);
      at += v.byteLength;
    }
    this.buf = next;
    this.head = 0;
  }
}
