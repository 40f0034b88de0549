import { MaestroError } from "../../protocol/errors.ts";
import type { Handler } from "../types.ts";

export const ack: Handler<"ack"> = async ({ broker, client }, args) => {
  const ids = args.ids;
  if (ids.length === 0) throw new MaestroError("usage", "ack: give at least one message id");
  const acked = await broker.router.ack(client.identity, ids);
  broker.audit.record(client.identity.name, "ack", acked.join(","), "ok");
  return { acked };
};
