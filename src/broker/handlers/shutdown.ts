import { MaestroError } from "../../protocol/errors.ts";
import type { Handler } from "../types.ts";

export const shutdown: Handler<"shutdown"> = ({ broker, client }, args) => {
  // Sessions die with the daemon: ending someone's running programs takes an explicit --force.
  // (SIGTERM from a service manager is not a request and still stops everything.)
  const running = broker.sessions.list().filter((s) => s.running);
  if (running.length > 0 && !args.force) {
    const names = running.slice(0, 5).map((s) => s.name).join(", ") + (running.length > 5 ? ", …" : "");
    const n = running.length === 1 ? "1 session is" : `${running.length} sessions are`;
    throw new MaestroError("forbidden", `${n} running (${names}) and would end with the daemon; give --force to stop it anyway`, { running: running.length });
  }
  broker.audit.record(client.identity.name, "daemon.stop", "", "ok");
  broker.shutdown(`requested by ${client.identity.name} (connection ${client.id})`);
  return { pid: process.pid };
};
