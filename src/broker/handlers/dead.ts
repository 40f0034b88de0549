import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/** Dead letters: the caller's own, or everyone's for the operator. */
export const dead: Handler<"dead"> = ({ broker, client }, args) => {
  const me = client.identity;
  return broker.store.messages
    .dead(me.kind === "operator" ? undefined : me.name, args.limit ?? 100)
    .map((r) => messageView(r, r));
};
