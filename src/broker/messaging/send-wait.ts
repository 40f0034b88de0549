/**
 * `send --wait` (the `message.wait` request): callers blocked until every recipient has a message
 * delivered or read, or it has a reply. Whatever changes a delivery calls `changed(id)`.
 */
import { MaestroError } from "../../protocol/errors.ts";
import type { MessageView } from "../../protocol/message.ts";
import type { Identity } from "../../protocol/messages.ts";
import type { Store } from "../store/index.ts";
import type { DeliveryRow } from "../store/messages.ts";
import { messageView } from "../views.ts";
import { visibleMessage } from "./compose.ts";

export type WaitFor = "delivered" | "read" | "reply";

export class SendWaiters {
  private readonly waiting = new Map<number, Set<() => void>>();
  /** Federation's kick: a delivery change may have queued a receipt for another host. */
  onChange: ((id: number) => void) | undefined;

  constructor(private readonly store: Store) {}

  /** Blocks until every recipient has the message delivered / read, or any reply exists. */
  waitFor(who: Identity, idText: string, what: WaitFor, timeoutMs: number, signal?: AbortSignal): Promise<MessageView | null> {
    const m = visibleMessage(this.store, who, idText);
    const check = (): MessageView | null | undefined => {
      if (what === "reply") {
        const r = this.store.messages.firstReply(m.id);
        return r ? messageView(r) : undefined;
      }
      const ds = this.store.messages.deliveriesOf(m);
      const done = what === "delivered" ? ds.every((d) => d.status !== "queued" && !never(d)) : ds.every((d) => d.status === "read" || d.status === "acked");
      return done ? null : undefined;
    };
    // Expiry ends a delivery for good: one that expired unread will never be read, one that
    // expired undelivered will never be delivered. No use waiting out the timeout — at the start,
    // or when the sweeper expires it during the wait.
    // So does a dead letter (redeliveries exhausted, or refused on a recipient's host).
    const never = (d: DeliveryRow) => (d.status === "expired" || d.status === "dead") && (what === "read" || d.delivered_at === null);
    const expired = () => what !== "reply" && this.store.messages.deliveriesOf(m).some(never);
    const expiredError = () => {
      const d = this.store.messages.deliveriesOf(m).find((x) => never(x) && x.status === "dead");
      return d
        ? new MaestroError("timeout", `message ${idText} is dead for ${d.recipient} (${d.dead_reason ?? "?"}) before it was ${what}; see \`maestro dead\``)
        : new MaestroError("timeout", `message ${idText} expired (--ttl) before it was ${what}`);
    };
    if (expired()) return Promise.reject(expiredError());
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      let set = this.waiting.get(m.id);
      if (!set) this.waiting.set(m.id, (set = new Set()));
      const waiters = set;
      const timer = setTimeout(() => {
        cleanup();
        reject(new MaestroError("timeout", `message ${idText} was not ${what === "reply" ? "replied to" : what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const wake = () => {
        const result = check();
        if (result === undefined) {
          if (!expired()) return;
          cleanup();
          reject(expiredError());
          return;
        }
        cleanup();
        resolve(result);
      };
      const abandoned = () => {
        cleanup();
        reject(new MaestroError("unavailable", "the client went away"));
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abandoned);
        waiters.delete(wake);
        if (waiters.size === 0) this.waiting.delete(m.id);
      };
      waiters.add(wake);
      signal?.addEventListener("abort", abandoned);
    });
  }

  /** Told of every change (the web dashboard's live statuses). */
  readonly watchers = new Set<(id: number) => void>();

  /** A delivery of message `id` changed (or a reply to it arrived): waiters look again. */
  changed(id: number): void {
    this.onChange?.(id);
    for (const wake of [...(this.waiting.get(id) ?? [])]) wake();
    for (const w of this.watchers) w(id);
  }

  /** Waits in progress, for tests of cleanup and for metrics. */
  get pending(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
