/**
 * Reaching an agent in its terminal (SPEC §7): when messages arrive for a `--notify inject`
 * session, type one line naming them into the PTY and press Enter — but only when the program
 * is idle, nobody has typed for a while, and no line is half-typed; check that the program took
 * it; and only then count the messages delivered. A human's keystrokes never land inside a
 * notice: while one is being typed, they are held and sent right after.
 */
import type { Priority } from "../protocol/message.ts";
import { SHELLS } from "../protocol/programs.ts";
import type { DesktopNotify, NoticeWait } from "../protocol/results.ts";
import { heldBy, holdSet } from "./foreground.ts";
import { bannerText, byPriority, notice, type NoticeItem } from "./notice.ts";
import type { Session } from "./session.ts";

export interface InjectConfig {
  /** The program must have been silent this long. */
  quiet_ms: number;
  /** No attached client (nor `maestro type`) may have typed for this long. */
  typing_ms: number;
  /** After Enter, how long to look for the program's answer. */
  confirm_ms: number;
  /** More Enters when the first went unanswered. */
  enter_retries: number;
  /** After a notice that was not taken: wait this long, and for new output, before trying again. */
  retry_ms: number;
  /**
   * Programs notices are never typed into (shells, editors, pagers): while one is in front
   * they wait. Also while the program in front cannot be seen, unless this is empty.
   */
  hold_for: string[];
  /**
   * How long a normal (or low) message may wait for its notice before the people attached are
   * told of it by a banner instead (it is still typed at the next opening, never earlier).
   */
  max_hold_ms: number;
  /** The same bound for high-priority messages… */
  max_hold_high_ms: number;
  /** …and for urgent ones (0: told at once whenever a notice cannot be typed now). */
  max_hold_urgent_ms: number;
  /** How long a banner stays up (it also goes once its messages are delivered). */
  banner_ms: number;
  /** Whether terminal clients also raise a desktop notification (OSC 9 / OSC 777) with a banner. */
  desktop_notify: DesktopNotify;
}

export type PendingMessage = NoticeItem;

export interface InjectorLinks {
  /** Messages already queued for this identity when injection starts. */
  owed(): PendingMessage[];
  /** Live arrivals (and --ack redeliveries); returns the unsubscribe. */
  subscribe(arrived: (m: PendingMessage) => void): () => void;
  /** The program took a notice naming these: mark them delivered. */
  delivered(ids: string[]): Promise<void>;
  log(msg: string): void;
}

/**
 * Enter follows the notice once its echo has come back (its last id seen in the output), so a
 * slow echo is never mistaken for the program's answer; a program that does not echo gets Enter
 * after this long.
 */
const ECHO_WAIT_MS = 150;
/** At least this long between the text and Enter: lets a TUI finish taking a paste as one input. */
const ENTER_DELAY_MS = 30;
const TICK_MS = 50;
/** Ids named per notice; more wait for the next one. */
const MAX_PER_NOTICE = 20;
/** Enter's own echo ("\r\n") is not an answer. */
const ECHO_BYTES = 2;

type Phase = "idle" | "typing" | "confirming";

/** The words a banner says a notice waits for. */
const WAIT_WORDS: Record<NoticeWait, string> = {
  typing: "while you type",
  half_typed_line: "for your half-typed line",
  output: "for the program to go quiet",
  program_in_front: "while a shell or editor is in front",
  retry: "for the program to take input",
  confirm: "for the program to take input",
};

export class Injector {
  private readonly pending = new Map<string, PendingMessage>();
  /** When each pending message arrived (a redelivery keeps its first time): its bound runs from here. */
  private readonly arrived = new Map<string, number>();
  /** Pending ids the attached clients were told of by a banner: not told twice. */
  private readonly told = new Set<string>();
  /** Ids on the banner up now; it goes when they are all delivered, or after banner_ms. */
  private bannerIds: string[] = [];
  private bannerTimer: Timer | undefined;
  /** The gate that held notices at the last tick. */
  private shut: NoticeWait | undefined;
  private phase: Phase = "idle";
  private lastOutput = 0;
  private lastTyped = 0;
  /** Printable keys typed since the last Enter, Ctrl-C or Ctrl-U: someone is mid-line. */
  private lineDirty = false;
  private held: (Uint8Array | string)[] = [];
  private inFlight: string[] = [];
  /**
   * Ids of a notice that was not taken: it may still sit in the program's input, unread. If the
   * program later echoes one of them, it read the notice after all — delivered, not typed again.
   */
  private inDoubt: string[] = [];
  /** The end of the previous output chunk, so an id split across chunks is still found. */
  private tail = "";
  private echoed = false;
  private enterTimer: Timer | undefined;
  private answered = 0;
  private entersLeft = 0;
  private notBefore = 0;
  /** After a notice that was not taken, wait for a sign of life before the next. */
  private needLife = false;
  private timer: Timer | undefined;
  private confirmTimer: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  private offOutput: (() => void) | undefined;
  private readonly hold: ReadonlySet<string>;
  /** The refused program in front at the last look, while notices wait. */
  private front: string | undefined;

  constructor(
    private readonly session: Session,
    private readonly config: InjectConfig,
    private readonly links: InjectorLinks,
  ) {
    this.hold = holdSet(config.hold_for);
  }

  /** Messages waiting for a notice (shown by `ls`). */
  get waiting(): number {
    return this.pending.size;
  }

  /** Why they wait, when it is a program in front they are never typed into (shown by `ls`). */
  get heldBy(): string | null {
    return this.pending.size > 0 && this.front !== undefined ? this.front : null;
  }

  /** What waiting notices wait for (shown by `ls`), null when none wait. */
  get waitingFor(): NoticeWait | null {
    if (this.pending.size === 0) return null;
    if (this.phase !== "idle") return "confirm";
    return this.shut ?? "output";
  }

  /** Waiting ids the attached clients have been told of (shown by `ls --json`). */
  get toldIds(): string[] {
    return [...this.told].filter((id) => this.pending.has(id));
  }

  start(): void {
    this.lastOutput = Date.now();
    this.offOutput = this.session.on((e) => {
      if (e.type === "output") this.onOutput(e.bytes);
    });
    this.unsubscribe = this.links.subscribe((m) => this.enqueue(m));
    for (const m of this.links.owed()) this.enqueue(m);
  }

  stop(): void {
    this.unsubscribe?.();
    this.offOutput?.();
    clearInterval(this.timer);
    clearTimeout(this.confirmTimer);
    clearTimeout(this.enterTimer);
    this.timer = undefined;
    this.flushHeld();
    this.clearBanner();
    this.pending.clear();
    this.arrived.clear();
    this.told.clear();
    this.phase = "idle";
  }

  /** Keystrokes from an attached client or `maestro type`: tracked, and held while a notice is typed. */
  input(bytes: Uint8Array | string): void {
    this.lastTyped = Date.now();
    const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0d || c === 0x0a || c === 0x03 || c === 0x15) this.lineDirty = false;
      else if (c === 0x1b) {
        // An escape sequence (arrows, function keys) moves within the line; it types nothing.
        // SS3 (ESC O x: arrows in application cursor mode) has its final byte after the O.
        if (text[i + 1] === "O") i += 2;
        else {
          while (i + 1 < text.length && !/[A-Za-z~]/.test(text[i + 1]!)) i++;
          i++;
        }
      } else if (c >= 0x20 && c !== 0x7f) this.lineDirty = true;
    }
    if (this.phase === "typing") this.held.push(bytes);
    else this.session.write(bytes);
  }

  private enqueue(m: PendingMessage): void {
    if (this.inFlight.includes(m.id)) return;
    this.pending.set(m.id, m);
    if (!this.arrived.has(m.id)) this.arrived.set(m.id, Date.now());
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  private onOutput(bytes: Uint8Array): void {
    this.lastOutput = Date.now();
    this.needLife = false;
    if (this.phase === "confirming") {
      this.answered += bytes.byteLength;
      // Taken: the program answered with more than Enter's echo — or it echoed the notice as it
      // was typed and now ends the line (Enter's CR or LF): the line is in, even if the program
      // says nothing more (a quiet REPL, a reader of lines). A program that echoed nothing (busy,
      // not reading) still has to answer.
      if (this.answered > ECHO_BYTES || (this.echoed && endsLine(bytes))) this.taken();
      return;
    }
    const watching = this.phase === "typing" ? this.inFlight.slice(-1) : this.inDoubt;
    if (watching.length === 0) return;
    // Ids are ASCII; latin1 keeps byte offsets and costs nothing to decode.
    const text = this.tail + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    this.tail = text.slice(-16);
    if (this.phase === "typing") {
      if (text.includes(watching[0]!)) this.echoed = true;
      return;
    }
    const late = this.inDoubt.filter((id) => text.includes(id));
    if (late.length === 0) return;
    this.links.log(`session ${this.session.name}: a notice for ${late.join(", ")} was taken late`);
    this.inDoubt = this.inDoubt.filter((id) => !late.includes(id));
    this.forget(late);
    this.links.delivered(late).catch((err) => this.links.log(`session ${this.session.name}: marking delivered failed: ${(err as Error).message}`));
  }

  private tick(): void {
    if (this.phase !== "idle") return;
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    if (!this.session.running) return;
    // Looked at on every tick while notices wait: when the shell hands the terminal to an agent,
    // they flow without waiting for another message.
    this.front = heldBy(this.session.pid, this.hold);
    this.shut = this.gate(now);
    if (this.shut === undefined) {
      this.inject();
      return;
    }
    this.tellIfDue(now, this.shut);
  }

  /** The first gate that keeps a notice from being typed now, or undefined when all are open. */
  private gate(now: number): NoticeWait | undefined {
    if (this.front !== undefined) return "program_in_front";
    if (now < this.notBefore || this.needLife) return "retry";
    if (this.lineDirty) return "half_typed_line";
    if (now - this.lastTyped < this.config.typing_ms) return "typing";
    if (now - this.lastOutput < this.config.quiet_ms) return "output";
    return undefined;
  }

  private bound(p: Priority): number {
    if (p === "urgent") return this.config.max_hold_urgent_ms;
    if (p === "high") return this.config.max_hold_high_ms;
    return this.config.max_hold_ms;
  }

  /**
   * A message past its bound that cannot be typed now: the people attached are told by a banner
   * (every waiting message on it, by priority). Nothing is typed: the gates stay as they are,
   * and the notice still follows at the next opening.
   */
  private tellIfDue(now: number, why: NoticeWait): void {
    const due = [...this.pending.values()].some((m) => !this.told.has(m.id) && now - (this.arrived.get(m.id) ?? now) >= this.bound(m.priority));
    if (!due) return;
    const waiting = byPriority(this.pending.values());
    for (const m of waiting) this.told.add(m.id);
    this.bannerIds = waiting.map((m) => m.id);
    this.links.log(`session ${this.session.name}: notices for ${this.bannerIds.join(", ")} waited past their bound (${why}); the attached clients were told`);
    this.session.showBanner({ type: "banner", text: bannerText(this.session.name, waiting, WAIT_WORDS[why]), ids: this.bannerIds, priority: waiting[0]!.priority, desktop: this.config.desktop_notify });
    clearTimeout(this.bannerTimer);
    this.bannerTimer = setTimeout(() => this.clearBanner(), this.config.banner_ms);
  }

  private clearBanner(): void {
    clearTimeout(this.bannerTimer);
    this.bannerTimer = undefined;
    this.bannerIds = [];
    this.session.clearBanner();
  }

  /** Delivered: no longer pending, and off the banner (which goes once it names none). */
  private forget(ids: string[]): void {
    for (const id of ids) {
      this.pending.delete(id);
      this.arrived.delete(id);
      this.told.delete(id);
    }
    if (this.bannerIds.length > 0 && this.bannerIds.every((id) => !this.pending.has(id))) this.clearBanner();
  }

  private inject(): void {
    const batch = byPriority(this.pending.values()).slice(0, MAX_PER_NOTICE);
    this.inFlight = batch.map((m) => m.id);
    this.inDoubt = [];
    const text = notice(this.session.name, batch);
    const paste = this.session.bracketedPaste();
    this.phase = "typing";
    this.echoed = false;
    this.tail = "";
    const typedAt = Date.now();
    this.session.write(paste ? `\x1b[200~${text}\x1b[201~` : text);
    const pressEnter = () => {
      if (this.phase !== "typing") return;
      const waited = Date.now() - typedAt;
      if (waited < ENTER_DELAY_MS || (!this.echoed && waited < ECHO_WAIT_MS)) {
        this.enterTimer = setTimeout(pressEnter, 5);
        return;
      }
      // The agent exited while its notice was typed, and a shell took the terminal back: no Enter.
      this.front = heldBy(this.session.pid, this.hold);
      if (this.front !== undefined) {
        this.abandon(this.front);
        return;
      }
      this.enter(this.config.enter_retries);
      // The notice is submitted: what a person typed meanwhile follows it, whole.
      this.flushHeld();
    };
    this.enterTimer = setTimeout(pressEnter, ENTER_DELAY_MS);
  }

  private enter(retriesLeft: number): void {
    this.phase = "confirming";
    this.answered = 0;
    this.entersLeft = retriesLeft;
    this.session.write("\r");
    clearTimeout(this.confirmTimer);
    this.confirmTimer = setTimeout(() => this.unanswered(), this.config.confirm_ms);
  }

  private unanswered(): void {
    if (this.phase !== "confirming") return;
    // Another Enter, unless a person has started a line since: it would submit their half line.
    if (this.entersLeft > 0 && !this.lineDirty && this.session.running && heldBy(this.session.pid, this.hold) === undefined) {
      this.enter(this.entersLeft - 1);
      return;
    }
    this.notTaken();
  }

  /**
   * The notice is typed but a refused program took the terminal before Enter: it stays queued,
   * and a shell's line is cleared (Ctrl-U) so the text is never submitted. Its ids in the
   * shell's echo are no sign it was read.
   */
  private abandon(front: string): void {
    this.links.log(`session ${this.session.name}: ${front} took the terminal before Enter; the notice for ${this.inFlight.join(", ")} was withdrawn`);
    if (SHELLS.includes(front)) this.session.write("\x15");
    this.flushHeld();
    this.phase = "idle";
    this.inDoubt = [];
    this.inFlight = [];
    this.notBefore = Date.now() + this.config.retry_ms;
  }

  private notTaken(): void {
    this.links.log(`session ${this.session.name}: a notice for ${this.inFlight.join(", ")} was not taken; they stay queued`);
    this.phase = "idle";
    this.inDoubt = this.inFlight;
    this.tail = "";
    this.inFlight = [];
    this.notBefore = Date.now() + this.config.retry_ms;
    this.needLife = true;
  }

  private taken(): void {
    clearTimeout(this.confirmTimer);
    this.inDoubt = [];
    const ids = this.inFlight;
    this.inFlight = [];
    this.phase = "idle";
    this.forget(ids);
    this.links.delivered(ids).catch((err) => this.links.log(`session ${this.session.name}: marking delivered failed: ${(err as Error).message}`));
  }

  private flushHeld(): void {
    for (const b of this.held.splice(0)) this.session.write(b);
  }
}

function endsLine(bytes: Uint8Array): boolean {
  return bytes.includes(0x0d) || bytes.includes(0x0a);
}
