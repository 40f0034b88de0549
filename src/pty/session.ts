/**
 * One terminal session: a program in a PTY the daemon owns, its output ring, its screen tracker
 * and the clients attached to it. Output is relayed to clients as it arrives; everything slower
 * (parsing, snapshots) happens beside that path, never in it.
 */
import type { Subprocess } from "bun";
import type { BannerEvent, NotifyMode, RestartPolicy, SessionInfo } from "../protocol/requests.ts";
import type { Attachment } from "./attachment.ts";
import type { Injector } from "./injector.ts";
import { Ring } from "./ring.ts";
import { ModeMemo, Screen } from "./screen.ts";
import { SessionLog } from "./session-log.ts";

export interface SessionSpec {
  name: string;
  command: string[];
  cwd: string;
  /** The child's whole environment. */
  env: Record<string, string>;
  notify: NotifyMode;
  restart: RestartPolicy;
  /** Append output here, if set. */
  logPath?: string;
  cols: number;
  rows: number;
}

export interface SessionLimits {
  ring_bytes: number;
  scrollback_lines: number;
  /** `--log` files rotate by size (see ./session-log.ts). */
  log_max_bytes: number;
  log_keep: number;
}

/** Told of every program the session runs and of Bun reaping it (see lineage.ts). */
export interface ProgramWatch {
  spawned(session: Session, pid: number): void;
  exited(pid: number): void;
}

export type SessionEvent = { type: "output"; bytes: Uint8Array } | { type: "exit"; code: number | null; signal: string | null; restarting: boolean };

/** Parse at most this much per tick: a few ms of work, then the relay again. */
const PARSE_SLICE = 256 * 1024;
const PARSE_INTERVAL_MS = 50;
/**
 * Output faster than this per tick is a flood: the tracker waits it out rather than compete with
 * the relay for the CPU. What it falls behind by stays in the ring (and the mode switches in what
 * the ring drops are kept), and anyone who needs the screen catches it up on the spot.
 */
const FLOOD_BYTES_PER_TICK = 64 * 1024;
/** After the program exits, how long to wait for the PTY's last bytes (a grandchild may hold it open). */
const EOF_GRACE_MS = 200;
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A run this long resets the restart backoff. */
const RESTART_STABLE_MS = 10_000;

export class Session {
  readonly ring: Ring;
  /** Created on first need: an idle session nobody looks at costs no terminal emulator. */
  private tracker: Screen | undefined;
  /** Mode switches in output the ring dropped before the tracker parsed it. */
  private readonly skipped = new ModeMemo();
  /** Per outer terminal (its device path): the tracker's `scrolled` when a client there detached. */
  private readonly seenBy = new Map<string, number>();
  readonly clients = new Set<Attachment>();
  readonly createdAt = Date.now();
  lastActivity = Date.now();
  cols: number;
  rows: number;
  pid = 0;
  running = false;
  exitCode: number | null = null;
  signal: string | null = null;
  restarts = 0;
  private proc: Subprocess | undefined;
  private term: Bun.Terminal | undefined;
  private startedAt = 0;
  private failures = 0;
  /** Set by kill/rm/shutdown: the program should stay dead. */
  private stopped = false;
  private removed = false;
  private restartTimer: Timer | undefined;
  private parseTimer: Timer | undefined;
  /** Where the ring ended at the last parse tick: how much flowed since. */
  private tickMark = 0;
  /** Output per tick, smoothed (each tick's flow plus half the last value): see parseTick. */
  private flow = 0;
  private log: SessionLog | undefined;
  /** The PTY reached end of file: everything the program wrote has been read. */
  private eof = false;
  private eofWaiter: (() => void) | undefined;
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  private exitWaiters: (() => void)[] = [];

  private readonly scrollback: number;

  constructor(
    readonly spec: SessionSpec,
    limits: SessionLimits,
    private readonly onLog: (level: "info" | "warn", msg: string) => void,
    private readonly watch?: ProgramWatch,
  ) {
    this.cols = spec.cols;
    this.rows = spec.rows;
    this.ring = new Ring(limits.ring_bytes);
    this.scrollback = limits.scrollback_lines;
    if (spec.logPath) this.log = new SessionLog(spec.logPath, { max_bytes: limits.log_max_bytes, keep: limits.log_keep });
  }

  get name(): string {
    return this.spec.name;
  }

  /** Starts the program. Throws (and holds no PTY) if it cannot be spawned. */
  spawn(): void {
    // Terminal options inline, not a Bun.Terminal object: only then does the child get the PTY
    // as its controlling terminal (setsid + TIOCSCTTY), which shells need for job control.
    const proc = Bun.spawn(this.spec.command, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      terminal: {
        cols: this.cols,
        rows: this.rows,
        name: "xterm-256color",
        data: (_t, bytes) => this.onOutput(bytes),
        exit: () => this.onEof(),
      },
      onExit: (p, code, signal) => {
        this.watch?.exited(p.pid);
        this.onExit(code, signal === null ? null : String(signal));
      },
    });
    this.watch?.spawned(this, proc.pid);
    this.term = proc.terminal;
    this.proc = proc;
    this.pid = proc.pid;
    this.running = true;
    this.exitCode = null;
    this.signal = null;
    this.startedAt = Date.now();
    this.eof = false;
  }

  private onOutput(bytes: Uint8Array): void {
    this.lastActivity = Date.now();
    this.ring.push(bytes, this.onDrop);
    this.log?.write(bytes);
    for (const c of this.clients) c.live(bytes);
    if (this.listeners.size > 0) for (const l of this.listeners) l({ type: "output", bytes });
    if (this.tracker) this.parseTimer ??= setTimeout(this.parseTick, PARSE_INTERVAL_MS);
  }

  /** Unparsed output leaving the ring: keep its mode switches for the tracker. */
  private readonly onDrop = (piece: Uint8Array, offset: number): void => {
    const unparsed = offset + piece.byteLength - (this.tracker?.parsed ?? 0);
    if (unparsed > 0) this.skipped.scan(unparsed >= piece.byteLength ? piece : piece.subarray(piece.byteLength - unparsed));
  };

  private readonly parseTick = (): void => {
    this.parseTimer = undefined;
    // Smoothed, so one quiet tick inside a flood (the program descheduled for a moment on a
    // busy machine) does not start a 256 KiB parse that competes with the relay: measured on the
    // WebSocket flood, such ticks were a fifth of the daemon's CPU. A steady flow of F per tick
    // settles at 2F, hence the doubled bound; after a flood ends the tracker resumes within a
    // few ticks, and whoever needs the screen sooner catches it up on the spot anyway.
    this.flow = this.flow / 2 + (this.ring.end - this.tickMark);
    this.tickMark = this.ring.end;
    const tracker = this.tracker;
    if (!tracker) return;
    if (this.flow <= 2 * FLOOD_BYTES_PER_TICK) tracker.catchUp(this.ring, this.skipped, PARSE_SLICE);
    if (tracker.behind(this.ring) > 0) this.parseTimer = setTimeout(this.parseTick, PARSE_INTERVAL_MS);
  };

  /**
   * How much history to put into a client's scrollback: all it asks for, unless the same terminal
   * (`tty`) was attached before, when only the lines that scrolled off since it left — the rest
   * is already in that terminal's scrollback, and re-attaching must not print it twice.
   */
  historyFor(tty: string | undefined, requested: number): number {
    const seen = tty === undefined ? undefined : this.seenBy.get(tty);
    return seen === undefined ? requested : Math.max(0, Math.min(requested, this.currentScreen().scrolled - seen));
  }

  /** A client on terminal `tty` left: remember how far its scrollback goes. */
  noteDetach(tty: string | undefined): void {
    if (tty === undefined || !this.tracker) return;
    this.seenBy.delete(tty);
    this.seenBy.set(tty, this.tracker.scrolled);
    // A handful of terminals per session is plenty; forget the oldest beyond that.
    if (this.seenBy.size > 64) this.seenBy.delete(this.seenBy.keys().next().value!);
  }

  /** The tracker, caught up with every byte so far. */
  currentScreen(): Screen {
    this.tracker ??= new Screen(this.cols, this.rows, this.scrollback);
    this.tracker.catchUp(this.ring, this.skipped);
    return this.tracker;
  }

  private onEof(): void {
    this.eof = true;
    this.eofWaiter?.();
  }

  private onExit(code: number | null, signal: string | null): void {
    let timer: Timer | undefined;
    const finish = () => {
      clearTimeout(timer);
      this.eofWaiter = undefined;
      this.closePty();
      this.afterExit(code, signal);
    };
    // With the EOF already in there is no output left to wait for, and a removed session's goes
    // nowhere: finish now, not on a timer (a 0 ms timer is 1 ms, and `rm --force` waits for it).
    if (this.eof || this.removed) return void queueMicrotask(finish);
    // The exit can overtake the last output: give the PTY a moment to hand it over.
    timer = setTimeout(finish, EOF_GRACE_MS);
    this.eofWaiter = finish;
  }

  private closePty(): void {
    this.term?.close();
    this.term = undefined;
    this.proc = undefined;
  }

  private afterExit(code: number | null, signal: string | null): void {
    this.running = false;
    this.exitCode = code;
    this.signal = signal;
    const ranFor = Date.now() - this.startedAt;
    const failed = code !== 0 || signal !== null;
    const policy = this.spec.restart;
    const restarting = !this.stopped && !this.removed && (policy === "always" || (policy === "on-failure" && failed));
    this.onLog("info", `session ${this.name}: pid ${this.pid} exited (${signal ?? `code ${code}`})${restarting ? "; restarting" : ""}`);
    const event: SessionEvent = { type: "exit", code, signal, restarting };
    for (const c of [...this.clients]) c.exited(event);
    for (const l of [...this.listeners]) l(event);
    for (const w of this.exitWaiters.splice(0)) w();
    if (!restarting) {
      this.log?.flush();
      return;
    }
    this.failures = ranFor >= RESTART_STABLE_MS ? 0 : this.failures + 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** Math.max(0, this.failures - 1));
    this.restartTimer = setTimeout(() => this.respawn(), delay);
  }

  private respawn(): void {
    this.restartTimer = undefined;
    if (this.stopped || this.removed) return;
    try {
      this.spawn();
      this.restarts++;
      for (const c of this.clients) c.restarted(this.pid);
    } catch (err) {
      this.onLog("warn", `session ${this.name}: restart failed: ${(err as Error).message}`);
      this.failures++;
      this.restartTimer = setTimeout(() => this.respawn(), Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** this.failures));
    }
  }

  /** Exited, with a respawn scheduled by `--restart`. */
  get restartPending(): boolean {
    return this.restartTimer !== undefined;
  }

  /** Bytes written into the PTY (keystrokes, typed text, notices), for /activity. */
  bytesIn = 0;

  /** Writes bytes into the PTY. */
  write(bytes: Uint8Array | string): void {
    if (!this.term) return;
    this.bytesIn += typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
    this.term.write(bytes);
  }

  /** Types notices into the PTY when this is a `--notify inject` session (set by the broker). */
  injector: Injector | undefined;

  /**
   * Keystrokes from a person or a script (attach, `type`): through the injector when there is
   * one, so they never land inside a notice and it knows when someone is typing.
   */
  input(bytes: Uint8Array | string): void {
    if (this.injector) this.injector.input(bytes);
    else this.write(bytes);
  }

  /** The banner the attached clients show now (notices past their bound), for clients that join. */
  banner: BannerEvent | undefined;

  /** Every attached client shows `b` itself, outside the program's screen (nothing is typed). */
  showBanner(b: BannerEvent): void {
    this.banner = b;
    for (const c of this.clients) c.showBanner(b);
  }

  /** The banner goes: each client is told and its screen redrawn from the tracker. */
  clearBanner(): void {
    if (!this.banner) return;
    this.banner = undefined;
    for (const c of this.clients) c.clearBanner();
  }

  /** Whether the program asked for bracketed paste (ESC[?2004h): notices are then pasted. */
  bracketedPaste(): boolean {
    return this.currentScreen().term.modes.bracketedPasteMode;
  }

  /** Whether the program turned on application cursor keys (ESC[?1h): arrows are then sent as ESC O x. */
  applicationCursorKeys(): boolean {
    return this.currentScreen().term.modes.applicationCursorKeysMode;
  }

  /**
   * The size rule, as tmux's `window-size smallest`: the PTY is as narrow and as short as the
   * smallest writable client attached (plus `joining`, one about to be), so no client sees rows
   * wrapped at a width wider than its own. Read-only clients never resize; with no writable
   * client the size stays as it was.
   */
  fitClients(joining?: { cols: number; rows: number }): void {
    let cols = joining?.cols ?? Infinity;
    let rows = joining?.rows ?? Infinity;
    for (const c of this.clients) {
      if (c.readOnly) continue;
      cols = Math.min(cols, c.cols);
      rows = Math.min(rows, c.rows);
    }
    if (cols !== Infinity && rows !== Infinity && this.running && !this.removed) this.resize(cols, rows);
  }

  /** Resizes the PTY and the tracker (after it has parsed everything drawn at the old size). */
  resize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    this.currentScreen().resize(cols, rows);
    this.cols = cols;
    this.rows = rows;
    this.term?.resize(cols, rows);
  }

  /** Signals the program and stops any restart; resolves true if it exited within `waitMs`. */
  async kill(signal: NodeJS.Signals, waitMs: number): Promise<boolean> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (!this.running) return true;
    this.proc?.kill(signal);
    return this.exited(waitMs);
  }

  /** Resolves true once the program has exited (and its PTY is closed), false after `ms`. */
  exited(ms: number): Promise<boolean> {
    if (!this.running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.exitWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  on(listener: (e: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Ends the session for good: hang up on the program (its whole process group) and kill it if it
   * lingers past `graceMs` (0: kill at once), close the PTY and the log, and free the tracker.
   */
  async destroy(graceMs: number): Promise<void> {
    this.injector?.stop();
    this.injector = undefined;
    this.removed = true;
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    clearTimeout(this.parseTimer);
    for (const c of [...this.clients]) c.close("removed");
    if (this.running) {
      const pid = this.pid;
      try {
        process.kill(-pid, graceMs > 0 ? "SIGHUP" : "SIGKILL");
      } catch {
        this.proc?.kill(graceMs > 0 ? "SIGHUP" : "SIGKILL");
      }
      if (graceMs === 0 || !(await this.exited(graceMs))) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          this.proc?.kill("SIGKILL");
        }
        await this.exited(1000);
      }
    }
    this.closePty();
    await this.log?.end();
    this.log = undefined;
    this.tracker?.dispose();
    this.tracker = undefined;
  }

  info(unread: number): Omit<SessionInfo, "activity" | "via"> {
    return {
      name: this.name,
      command: this.spec.command,
      pid: this.pid,
      state: this.running ? "running" : "exited",
      exit_code: this.running ? null : this.exitCode,
      signal: this.running ? null : this.signal,
      clients: this.clients.size,
      cols: this.cols,
      rows: this.rows,
      created_at: new Date(this.createdAt).toISOString(),
      last_activity: new Date(this.lastActivity).toISOString(),
      unread,
      notify: this.spec.notify,
      pending_notices: this.injector?.waiting ?? 0,
      notices_held_by: this.injector?.heldBy ?? null,
      notices_waiting_for: this.injector?.waitingFor ?? null,
      notices_told: this.injector?.toldIds ?? [],
      restart: this.spec.restart,
      restarts: this.restarts,
      attached: [...this.clients].map((c) => ({ id: c.key, read_only: c.readOnly, backlog: c.backlog, stalled: c.stalled })),
    };
  }
}
