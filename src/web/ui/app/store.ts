/**
 * What the dashboard knows, fed by one subscribed WebSocket: sessions, messages (with every
 * recipient's status), the events feed and the rates. Views redraw when it says so.
 */
import type { DaemonEvent, IdentityInfo, SessionInfo } from "../../../protocol/results.ts";
import type { MailView, WsServerMessage } from "../../../protocol/web.ts";

export type Topic = "sessions" | "messages" | "events" | "identities";
export const MAX_EVENTS = 500;
export const MAX_RATES = 90;

export class Store {
  readonly sessions = new Map<string, SessionInfo>();
  readonly mail = new Map<string, MailView>();
  readonly events: DaemonEvent[] = [];
  readonly rates: { at: number; msgs: number; bytes: number }[] = [];
  identities: IdentityInfo[] = [];
  /** Sessions seen by name since the page loaded, to mark the ones that appear live. */
  private readonly listeners = new Map<Topic, Set<() => void>>();

  on(topic: Topic, fn: () => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  emit(topic: Topic): void {
    for (const fn of this.listeners.get(topic) ?? []) fn();
  }

  apply(m: WsServerMessage): void {
    switch (m.type) {
      case "session":
        if (m.session) this.sessions.set(m.name, m.session);
        else this.sessions.delete(m.name);
        return this.emit("sessions");
      case "mail":
        this.mail.set(m.message.id, m.message);
        return this.emit("messages");
      case "event":
        this.events.push(m.event);
        if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
        return this.emit("events");
      case "rates":
        this.rates.push({ at: Date.parse(m.at), msgs: m.messages_per_s, bytes: m.bytes_per_s });
        if (this.rates.length > MAX_RATES) this.rates.shift();
        return this.emit("events");
    }
  }

  /** Everyone a message can go to: identities, then sessions not yet among them. */
  recipients(): string[] {
    const names = new Set<string>();
    for (const i of this.identities) if (i.kind !== "operator" && i.session !== "removed") names.add(i.name);
    for (const s of this.sessions.keys()) names.add(s);
    return [...names].sort();
  }
}
