import { requireOperator } from "../auth.ts";
import type { Handler } from "../types.ts";

export const shutdown: Handler<"shutdown"> = ({ broker, client }) => {
  requireOperator(client.identity, "stop the daemon");
  broker.shutdown(`requested by ${client.identity.name} (connection ${client.id})`);
  return { pid: process.pid };
};
