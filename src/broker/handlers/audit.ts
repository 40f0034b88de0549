import type { Handler } from "../types.ts";

export const audit: Handler<"audit"> = ({ broker, client }, args) => {
  broker.router.writer.flush(); // records still in this tick's batch are part of the answer
  return broker.store.audit.list(args.since ?? 0, args.limit ?? 100);
};
