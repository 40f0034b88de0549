import { optInt } from "../args.ts";
import { requireOperator } from "../auth.ts";
import type { Handler } from "../types.ts";

export const audit: Handler<"audit"> = ({ broker, client }, args) => {
  requireOperator(client.identity, "read the audit log");
  broker.router.writer.flush(); // records still in this tick's batch are part of the answer
  return broker.store.audit.list(optInt(args, "since", 0, 8.64e15) ?? 0, optInt(args, "limit", 1, 100_000) ?? 100);
};
