import { MaestroError } from "../../protocol/errors.ts";
import { optBool, optStrings } from "../args.ts";
import { visibleMessage } from "../messaging/compose.ts";
import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/**
 * Shows messages in full and marks the caller's own deliveries read. All ids or none. With
 * `mark: false` it only shows them: a client that must first save attachments marks afterwards.
 */
export const read: Handler<"read"> = async ({ broker, client }, args) => {
  const ids = optStrings(args, "ids");
  if (ids.length === 0) throw new MaestroError("usage", "read: give at least one message id");
  const rows = ids.map((id) => visibleMessage(broker.store, client.identity, id));
  const mark = args.mark === undefined || args.mark === null ? true : optBool(args, "mark");
  if (mark) {
    await broker.router.markRead(client.identity, rows.map((m) => m.id));
    broker.audit.record(client.identity.name, "read", ids.join(","), "ok");
  }
  return rows.map((m) => messageView(m, broker.store.messages.delivery(client.identity.name, m.id)));
};
