/**
 * The pushes a `maestro.v1` client subscribed to (`subscribe`): sessions (local ones as they
 * change, other hosts' from the directory), mail with each recipient's status, daemon events and
 * rates. One ordered stream per client, so no list races a push.
 */
import { requireOperator } from "../broker/auth.ts";
import { sessionInfo } from "../broker/handlers/ls.ts";
import type { MessageRow } from "../broker/store/messages.ts";
import type { Broker } from "../broker/types.ts";
import { messageView } from "../broker/views.ts";
import { MaestroError } from "../protocol/errors.ts";
import { parseId } from "../protocol/message.ts";
import type { DaemonEvent } from "../protocol/requests.ts";
import { MAIL_BACKLOG, RATES_EVERY_MS, type MailView, type WsServerMessage, type WsTopic } from "../protocol/web.ts";
import type { Session } from "../pty/session.ts";
import type { Principal } from "./principal.ts";
import type { Msg } from "./ws-schemas.ts";
import { watchRemoteSessions } from "./ws-remote.ts";

export class WsFeed {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly topics = new Set<WsTopic>();
  private readonly hooked = new WeakSet<Session>();
  private ratesTimer: Timer | undefined;
  private watching = false;
  /** Messages sent since the last `rates` push. */
  private sentSinceRates = 0;
  /** Each session's output offset at the last `rates` push. */
  private readonly outputAt = new Map<string, number>();

  constructor(
    private readonly env: { broker: Broker },
    private readonly send: (m: WsServerMessage) => void,
  ) {}

  close(): void {
    clearInterval(this.ratesTimer);
    for (const u of this.unsubscribe.splice(0)) u();
  }

  subscribe(p: Principal, m: Msg<"subscribe">): void {
    const { broker } = this.env;
    if (p.kind === "share") throw new MaestroError("forbidden", "a share link sees its one session only: it cannot subscribe");
    if (m.topics.some((t) => t !== "sessions")) requireOperator(p.who, "subscribe to messages and events");
    const fresh = m.topics.filter((t) => !this.topics.has(t));
    for (const t of fresh) this.topics.add(t);
    if (fresh.length > 0 && this.unsubscribe.length === 0) {
      this.unsubscribe.push(broker.audit.listen((e) => this.onDaemonEvent(e)));
    }
    this.send({ type: "subscribed", topics: [...this.topics] });
    // Every session as it is now, then its changes: one ordered stream, so no list races a push.
    if (fresh.includes("sessions")) {
      for (const s of broker.sessions.list()) {
        this.hook(s);
        this.pushSession(s.name, s);
      }
      // Other hosts' sessions (federation on) follow, as the directory has them.
      if (p.kind === "identity" && p.who.kind === "operator") this.unsubscribe.push(watchRemoteSessions(broker, (name, session) => this.send({ type: "session", name, session })));
    }
    if ((fresh.includes("messages") || fresh.includes("sessions")) && !this.watching) {
      // Status changes (delivered, read, acked, expired, dead), coalesced per message and tick;
      // a recipient session's unread count moves with them.
      this.watching = true;
      const due = new Set<number>();
      this.unsubscribe.push(
        broker.router.watchDeliveries((id) => {
          if (due.size === 0) queueMicrotask(() => {
            for (const i of due) {
              const row = broker.store.messages.get(i);
              if (!row) continue;
              if (this.topics.has("messages")) this.send({ type: "mail", message: this.mailView(row) });
              this.pushRecipients(JSON.parse(row.recipients) as string[]);
            }
            due.clear();
          });
          due.add(id);
        }),
      );
    }
    if (fresh.includes("messages")) {
      const recent = broker.store.messages.history({ party: undefined, sinceId: 0, limit: MAIL_BACKLOG });
      for (const m of recent.reverse()) this.send({ type: "mail", message: this.mailView(m) });
    }
    if (fresh.includes("events")) {
      this.rates();
      this.ratesTimer = setInterval(() => this.send(this.rates()), RATES_EVERY_MS);
    }
  }

  private mailView(m: MessageRow): MailView {
    const v = messageView(m);
    return { ...v, deliveries: this.env.broker.store.messages.deliveriesOf(m).map((d) => ({ recipient: d.recipient, status: d.status })) };
  }

  /** Messages sent and terminal output (all sessions) per second since the last call. */
  private rates(): WsServerMessage & { type: "rates" } {
    let bytes = 0;
    const seen = new Set<string>();
    for (const s of this.env.broker.sessions.list()) {
      seen.add(s.name);
      const end = s.ring.end;
      bytes += Math.max(0, end - (this.outputAt.get(s.name) ?? end));
      this.outputAt.set(s.name, end);
    }
    for (const name of this.outputAt.keys()) if (!seen.has(name)) this.outputAt.delete(name);
    const msgs = this.sentSinceRates;
    this.sentSinceRates = 0;
    const per = 1000 / RATES_EVERY_MS;
    return { type: "rates", at: new Date().toISOString(), messages_per_s: msgs * per, bytes_per_s: bytes * per };
  }

  /** Session updates come from audit records (new, attach, kill, rm…) and from exits, which are not audited. */
  private onDaemonEvent(e: DaemonEvent): void {
    if (this.topics.has("events")) this.send({ type: "event", event: e });
    if (e.kind === "message") {
      if (e.event === "sent") {
        this.sentSinceRates++;
        this.pushRecipients(e.to);
      }
      if (this.topics.has("messages")) {
        this.send({ type: "message", event: e });
        const row = this.env.broker.store.messages.get(parseId(e.id));
        if (row) this.send({ type: "mail", message: this.mailView(row) });
      }
      return;
    }
    if (this.topics.has("sessions") && e.action.startsWith("session.") && e.outcome === "ok" && e.target) {
      const s = this.env.broker.sessions.has(e.target) ? this.env.broker.sessions.get(e.target) : undefined;
      if (s) this.hook(s);
      this.pushSession(e.target, s);
    }
  }

  /** Sessions among a message's recipients: their unread counts changed. */
  private pushRecipients(names: readonly string[]): void {
    if (!this.topics.has("sessions")) return;
    const { sessions } = this.env.broker;
    for (const n of names) if (sessions.has(n)) this.pushSession(n, sessions.get(n));
  }

  private hook(s: Session): void {
    if (this.hooked.has(s)) return;
    this.hooked.add(s);
    this.unsubscribe.push(
      s.on((e) => {
        if (e.type === "exit") queueMicrotask(() => this.pushSession(s.name, this.env.broker.sessions.has(s.name) ? s : undefined));
      }),
    );
  }

  private pushSession(name: string, s: Session | undefined): void {
    this.send({ type: "session", name, session: s ? sessionInfo(this.env.broker, s) : null });
  }
}
