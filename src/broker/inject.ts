/**
 * Connects a session's injector (src/pty/injector.ts) to the message router: what the identity
 * is owed and what arrives go to the injector; a notice the program took marks its messages
 * delivered. Until then they stay queued, visible in `inbox`.
 */
import { formatId, PRIORITIES, type MessageView } from "../protocol/message.ts";
import type { PendingMessage } from "../pty/injector.ts";
import type { Session } from "../pty/session.ts";
import type { Broker } from "./types.ts";

const pending = (m: Pick<MessageView, "id" | "from" | "subject" | "body" | "priority">): PendingMessage => ({ id: m.id, from: m.from, subject: m.subject, body: m.body, priority: m.priority });

export function startInjection(broker: Broker, session: Session): void {
  const name = session.name;
  broker.sessions.startInjection(session, broker.config.inject, {
    owed: () => broker.router.owed(name).filter((r) => r.status === "queued").map((r) => pending({ id: formatId(r.id), from: r.sender, subject: r.subject, body: r.body, priority: PRIORITIES[r.priority] ?? "normal" })),
    // false: not delivered yet — the router leaves it queued until the program takes the notice.
    subscribe: (arrived) => broker.router.subscribe(name, { via: "notices", deliver: (view) => (arrived(pending(view)), false) }),
    delivered: (ids) => broker.router.deliveredTo(name, ids),
    log: (msg) => broker.log.info(msg),
  });
}
