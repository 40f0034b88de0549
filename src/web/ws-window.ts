/**
 * The output a `maestro.v1` client has not acknowledged yet: what the flow control reads
 * (`web.window_bytes`), as ranges of the session's output offsets so an ack frees exactly them.
 */
/** Output sent and not yet acknowledged, as ranges of the session's output (and redraws). */
export class Window {
  private readonly queue: { start: number; end: number; bytes: number }[] = [];
  unacked = 0;
  /** Output offset just past the last byte sent. */
  sentEnd = 0;

  sent(start: number, end: number, bytes: number, redraw: boolean): void {
    const last = this.queue.at(-1);
    // Contiguous output coalesces into pieces of up to 64 KiB: the queue stays short.
    if (!redraw && last && last.end === start && last.bytes === last.end - last.start && last.bytes < 64 * 1024) {
      last.end = end;
      last.bytes += bytes;
    } else this.queue.push({ start, end, bytes });
    this.unacked += bytes;
    this.sentEnd = Math.max(this.sentEnd, end);
  }

  /** Everything before output offset `seq` reached the client. */
  ack(seq: number): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.end <= seq) {
        this.unacked -= head.bytes;
        this.queue.shift();
        continue;
      }
      if (head.bytes === head.end - head.start && seq > head.start) {
        // Partly acknowledged output.
        const freed = seq - head.start;
        this.unacked -= freed;
        head.bytes -= freed;
        head.start = seq;
      }
      break;
    }
  }

  reset(): void {
    this.queue.length = 0;
    this.unacked = 0;
  }
}
