import { optInt, optString } from "../args.ts";
import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/** Messages the caller sent or received (the operator: all), newest first. */
export const history: Handler<"history"> = ({ broker, client }, args) => {
  const me = client.identity;
  return broker.store.messages
    .history({
      party: me.kind === "operator" ? undefined : me.name,
      from: optString(args, "from"),
      to: optString(args, "to"),
      sinceId: (optInt(args, "since", 0, 8.64e15) ?? 0) * 1024,
      limit: optInt(args, "limit", 1, 10_000) ?? 50,
    })
    .map((m) => messageView(m, broker.store.messages.delivery(me.name, m.id)));
};
