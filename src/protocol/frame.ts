/**
 * The frame codec. Every frame is
 *
 *     u32 big-endian length  — bytes that follow this field (kind + payload), 1 ≤ length ≤ MAX_FRAME + 1
 *     u8  kind               — see FrameKind
 *     payload                — UTF-8 JSON for control kinds, raw bytes for DATA
 *
 * The decoder never allocates more than one frame's worth, and rejects a length over the maximum
 * as soon as the 4-byte prefix is in, so a hostile length prefix costs nothing.
 */

export const FrameKind = {
  HELLO: 0x01,
  WELCOME: 0x02,
  REQUEST: 0x03,
  REPLY: 0x04,
  ERROR: 0x05,
  EVENT: 0x06,
  DATA: 0x07,
  END: 0x08,
  CANCEL: 0x09,
} as const;

export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KINDS = new Set<number>(Object.values(FrameKind));

/** Largest payload a frame may carry: room for a 10 MiB attachment plus its envelope. */
export const MAX_FRAME = 16 * 1024 * 1024;

/** Largest frame before the handshake: a hello is tiny, and strangers get no room to fill. */
export const MAX_HELLO_FRAME = 64 * 1024;

export const HEADER_BYTES = 5;

export interface Frame {
  kind: FrameKind;
  payload: Uint8Array;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

export function encodeFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  if (payload.byteLength > MAX_FRAME) {
    throw new FrameError(`frame payload of ${payload.byteLength} bytes exceeds the maximum of ${MAX_FRAME}`);
  }
  const out = new Uint8Array(HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.byteLength + 1);
  out[4] = kind;
  out.set(payload, HEADER_BYTES);
  return out;
}

/**
 * Incremental decoder: feed it chunks as they arrive, take whole frames out. Bytes go into one
 * growable buffer (amortised O(n) for a large frame arriving in many chunks). After it throws, the
 * stream cannot be trusted and the connection should be closed.
 */
export class FrameDecoder {
  private buf = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  /** The largest payload accepted now; the daemon keeps it small until a client has said hello. */
  maxFrame: number;

  constructor(maxFrame = MAX_FRAME) {
    this.maxFrame = maxFrame;
  }

  /** Bytes held for a frame not yet complete. */
  get pending(): number {
    return this.end - this.start;
  }

  /** Appends a chunk and returns every frame now complete. */
  push(chunk: Uint8Array): Frame[] {
    this.append(chunk);
    const frames: Frame[] = [];
    for (let f = this.next(); f; f = this.next()) frames.push(f);
    return frames;
  }

  /**
   * The next complete frame, or undefined. Taking frames one by one lets the reader change
   * `maxFrame` between them (the daemon raises it once the hello is through).
   */
  next(): Frame | undefined {
    if (this.end - this.start < 4) return this.reset();
    const length = new DataView(this.buf.buffer, this.buf.byteOffset + this.start, 4).getUint32(0);
    if (length === 0) throw new FrameError("frame length 0: every frame has at least a kind byte");
    if (length - 1 > this.maxFrame) {
      throw new FrameError(`frame of ${length - 1} bytes exceeds the maximum of ${this.maxFrame}`);
    }
    if (this.end - this.start < 5) return undefined;
    const kind = this.buf[this.start + 4]!;
    if (!KINDS.has(kind)) throw new FrameError(`unknown frame kind 0x${kind.toString(16).padStart(2, "0")}`);
    if (this.end - this.start < 4 + length) return undefined;
    // slice() copies, so a frame outlives the buffer it was cut from.
    const frame = { kind: kind as FrameKind, payload: this.buf.slice(this.start + HEADER_BYTES, this.start + 4 + length) };
    this.start += 4 + length;
    return frame;
  }

  private reset(): undefined {
    if (this.start === this.end) {
      this.start = this.end = 0;
      // Give back the room a large frame needed, so an idle connection holds little.
      if (this.buf.byteLength > 1 << 20) this.buf = new Uint8Array(4096);
    }
    return undefined;
  }

  append(chunk: Uint8Array): void {
    if (this.end + chunk.byteLength > this.buf.byteLength) {
      const live = this.end - this.start;
      const need = live + chunk.byteLength;
      const next = need > this.buf.byteLength ? new Uint8Array(Math.max(need, this.buf.byteLength * 2)) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.byteLength;
  }
}
