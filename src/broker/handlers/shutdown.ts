import { requireOperator } from "../auth.ts";
import type { Handler } from "../types.ts";

export const shutdown: Handler<"shutdown"> = ({ broker, client }) => {
  requireOperator(client.identity, "stop the daemon");
  broker.audit.record(client.identity.name, "daemon.stop", "", "ok");
  broker.shutdown(`requested by ${client.identity.name} (connection ${client.id})`);
  return { pid: process.pid };
};
