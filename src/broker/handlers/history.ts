import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/** Messages the caller sent or received (the operator: all), newest first. */
export const history: Handler<"history"> = ({ broker, client }, args) => {
  const me = client.identity;
  return broker.store.messages
    .history({
      party: me.kind === "operator" ? undefined : me.name,
      from: args.from,
      to: args.to,
      sinceId: (args.since ?? 0) * 1024,
      limit: args.limit ?? 50,
    })
    .map((m) => messageView(m, broker.store.messages.delivery(me.name, m.id)));
};
