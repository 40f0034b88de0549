import { MaestroError } from "../../protocol/errors.ts";
import type { NotifyMode } from "../../protocol/requests.ts";
import { requireSessionControl } from "../auth.ts";
import { startInjection } from "../inject.ts";
import type { Handler } from "../types.ts";

/** `maestro notify NAME inject|none`: start or stop typing notices into a running session. */
export const sessionNotify: Handler<"session.notify"> = ({ broker, client }, args) => {
  const session = broker.sessions.get(args.name);
  requireSessionControl(client.identity, session.name, "change notices of");
  const mode = args.mode;
  if (mode !== "inject" && mode !== "none") throw new MaestroError("usage", `notify: mode must be inject or none, not "${mode}"`);
  session.spec.notify = mode as NotifyMode;
  if (mode === "inject") startInjection(broker, session);
  else broker.sessions.stopInjection(session);
  broker.audit.record(client.identity.name, "session.notify", session.name, "ok", mode);
  return { name: session.name, notify: session.spec.notify };
};
