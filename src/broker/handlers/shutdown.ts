import type { Handler } from "../types.ts";

export const shutdown: Handler<"shutdown"> = ({ broker, client }) => {
  broker.shutdown(`requested by ${client.identity.name} (connection ${client.id})`);
  return { pid: process.pid };
};
