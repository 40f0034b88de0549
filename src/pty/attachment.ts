/**
 * One attached client. It gets the restored screen, then live output — unless it falls behind:
 * past the high-water mark of bytes queued toward it, it is skipped (the program and the other
 * clients are not held back). Once its queue falls under the low-water mark it catches up: from
 * the session's ring if the ring still holds what it missed (nothing lost, nothing parsed), else
 * with a fresh screen. So the daemon holds at most about high-water bytes per client, and a client
 * that is merely slower than the program costs no more than one that keeps up.
 */
import type { AttachEvent, BannerEvent } from "../protocol/requests.ts";
import type { Session, SessionEvent } from "./session.ts";

/**
 * Where an attached client's bytes go: a stream on the Unix socket (broker/attach-sink.ts) or a
 * `maestro.v1` WebSocket (src/web/ws.ts). `backlog` is what the watermarks are held against:
 * bytes queued toward the client (the socket) or sent and not yet acknowledged (the WebSocket).
 */
export interface AttachSink {
  readonly open: boolean;
  readonly backlog: number;
  /** Program output; `offset` is where its first byte sits in the session's output stream. */
  output(bytes: Uint8Array, offset: number): void;
  /** A freshly drawn screen: the client's state as of output offset `offset` (not itself output). */
  redraw(bytes: Uint8Array, offset: number, cols: number, rows: number): void;
  event(e: AttachEvent): void;
  end(reason: string): void;
  /** Called when the backlog has fallen (the socket drained, the client acknowledged). */
  onDrain(fn: () => void): void;
}

/** The ring is caught up on in pieces of at most this much, so a window is never overrun by a lot. */
const CATCH_UP_PIECE = 64 * 1024;

export interface Watermarks {
  high: number;
  low: number;
}

/** A client that keeps stalling gets at most one fresh screen per this long… */
const RESNAPSHOT_MIN_MS = 100;
/**
 * …and per this many times what the last one cost: drawing a screen may mean parsing the whole
 * ring (tens of ms during a flood), and a slow client must not turn the daemon into a parser.
 */
const RESNAPSHOT_COST_FACTOR = 10;

export class Attachment {
  stalled = false;
  /** What the last snapshot took, in ms (paces the next one). */
  private snapshotCost = 0;
  /** Ring offset up to which this client has been sent the output. */
  private sentTo: number;
  private lastSnapshot = 0;
  private resumeTimer: Timer | undefined;

  constructor(
    /** `<connection>:<stream>`: what `resize` names it by. */
    readonly key: string,
    readonly session: Session,
    private readonly stream: AttachSink,
    readonly readOnly: boolean,
    public cols: number,
    public rows: number,
    private readonly water: Watermarks,
    /** Called once when this client is gone, whichever side ended it. */
    private readonly onGone: () => void,
    /** The client's terminal device, if it said: to send only new history on a re-attach. */
    readonly tty?: string,
  ) {
    this.sentTo = session.ring.end;
    stream.onDrain(() => {
      if (this.stalled) this.resume();
    });
  }

  get backlog(): number {
    return this.stream.backlog;
  }

  /**
   * The restored screen: modes reset, screen cleared, then the tracker's rendering with
   * `history` lines that scroll into the outer terminal's own scrollback.
   */
  sendSnapshot(history: number): void {
    const t0 = performance.now();
    const screen = this.session.currentScreen();
    this.sentTo = this.session.ring.end;
    // Built once per change of the screen: attaching again to a quiet session costs no serialising.
    this.stream.redraw(screen.restore(history), this.sentTo, this.session.cols, this.session.rows);
    this.snapshotCost = performance.now() - t0;
    this.lastSnapshot = Date.now();
  }

  /** Live output from the program (already in the ring). */
  live(bytes: Uint8Array): void {
    if (this.stalled) {
      if (this.stream.backlog <= this.water.low) this.resume();
      return;
    }
    // Sent only if it fits under the high-water mark whole: a window is a bound, not a hint.
    if (this.stream.backlog + bytes.byteLength > this.water.high) {
      this.stalled = true;
      return;
    }
    this.stream.output(bytes, this.session.ring.end - bytes.byteLength);
    this.sentTo = this.session.ring.end;
  }

  /**
   * A client that says how far it got (`since`, an output offset): the bytes after it, if the ring
   * still holds them all, through the catch-up path (paced by the watermarks); false if not, and
   * the caller draws a fresh screen instead.
   */
  resumeFrom(since: number): boolean {
    const ring = this.session.ring;
    if (since < ring.start || since > ring.end) return false;
    this.sentTo = since;
    this.stalled = true;
    this.resume();
    return true;
  }

  private resume(): void {
    if (this.resumeTimer || !this.stream.open) return;
    const ring = this.session.ring;
    if (this.sentTo >= ring.start) {
      // The ring still holds everything it missed: send that, up to the high-water mark at a time.
      const size = Math.min(CATCH_UP_PIECE, this.water.high);
      for (const view of ring.since(this.sentTo)) {
        for (let at = 0; at < view.byteLength; at += size) {
          const piece = view.subarray(at, at + size);
          if (this.stream.backlog + piece.byteLength > this.water.high) return; // more on the next drain
          this.stream.output(piece, this.sentTo);
          this.sentTo += piece.byteLength;
        }
      }
      this.stalled = false;
      return;
    }
    const wait = this.lastSnapshot + Math.max(RESNAPSHOT_MIN_MS, RESNAPSHOT_COST_FACTOR * this.snapshotCost) - Date.now();
    if (wait > 0) {
      this.resumeTimer = setTimeout(() => {
        this.resumeTimer = undefined;
        this.resume();
      }, wait);
      return;
    }
    if (this.stream.backlog > this.water.low) return; // the next drain or output will try again
    this.stalled = false;
    // What it missed is gone from the ring: redraw the screen (its history already reached it).
    this.sendSnapshot(0);
  }

  exited(e: SessionEvent & { type: "exit" }): void {
    const event: AttachEvent = { type: "exit", code: e.code, signal: e.signal, restarting: e.restarting };
    if (this.stalled) {
      // It missed the end: give it the final screen first.
      this.stalled = false;
      this.sendSnapshot(0);
    }
    this.stream.event(event);
    if (!e.restarting) this.close("exited");
  }

  showBanner(b: BannerEvent): void {
    this.stream.event(b);
  }

  /**
   * The banner is gone: the client drew it over the program's screen, so it gets the screen
   * afresh from the tracker (a stalled client gets one when it resumes anyway).
   */
  clearBanner(): void {
    this.stream.event({ type: "banner_clear" });
    if (!this.stalled && this.stream.open) this.sendSnapshot(0);
  }

  restarted(pid: number): void {
    const event: AttachEvent = { type: "restarted", pid };
    this.stream.event(event);
  }

  /** Ends the stream and forgets this client. */
  close(reason: string): void {
    clearTimeout(this.resumeTimer);
    this.session.clients.delete(this);
    this.stream.end(reason);
    this.session.noteDetach(this.tty);
    if (!this.readOnly) this.session.fitClients();
    this.onGone();
  }

  /** The client went away: just forget it. */
  detached(): void {
    clearTimeout(this.resumeTimer);
    this.session.clients.delete(this);
    this.session.noteDetach(this.tty);
    if (!this.readOnly) this.session.fitClients();
    this.onGone();
  }
}
