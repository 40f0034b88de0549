import { MaestroError } from "../../protocol/errors.ts";
import { visibleMessage } from "../messaging/compose.ts";
import { messageView } from "../views.ts";
import type { MessageRow } from "../store/messages.ts";
import type { Handler } from "../types.ts";

/**
 * Shows messages in full and marks the caller's own deliveries read. All ids or none. With
 * `mark: false` it only shows them: a client that must first save attachments marks afterwards.
 */
export const read: Handler<"read"> = async ({ broker, client }, args) => {
  const ids = args.ids;
  if (ids.length === 0) throw new MaestroError("usage", "read: give at least one message id");
  const rows = ids.map((id) => visibleMessage(broker.store, client.identity, id));
  const mark = args.mark !== false;
  const now = Date.now();
  const expired = (m: MessageRow) => m.expires_at !== null && m.expires_at <= now;
  // A message whose --ttl ran out is shown as expired, never marked read: the sweeper may not
  // have got to it yet, and reading it late must not make it look read in time.
  if (mark) {
    await broker.router.markRead(client.identity, rows.filter((m) => !expired(m)).map((m) => m.id));
    broker.audit.record(client.identity.name, "read", ids.join(","), "ok");
  }
  return rows.map((m) => {
    const view = messageView(m, broker.store.messages.delivery(client.identity.name, m.id));
    view.expired = expired(m);
    if (view.expired && (view.status === "queued" || view.status === "delivered")) view.status = "expired";
    return view;
  });
};
