import { visibleMessage } from "../messaging/compose.ts";
import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/** The whole thread of a message the caller can see, oldest first; only messages it can see. */
export const thread: Handler<"thread"> = ({ broker, client }, args) => {
  const me = client.identity;
  const root = visibleMessage(broker.store, me, args.id);
  return broker.store.messages
    .thread(root.thread_id)
    .filter((m) => me.kind === "operator" || m.sender === me.name || broker.store.messages.delivery(me.name, m.id))
    .map((m) => messageView(m, broker.store.messages.delivery(me.name, m.id)));
};
