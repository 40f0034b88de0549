import { auditedSend } from "../audit.ts";
import type { Handler } from "../types.ts";

export const send: Handler<"send"> = ({ broker, client }, args) =>
  auditedSend(broker, client.identity.name, "send", Array.isArray(args.to) ? args.to.join(",") : "", (ok) => broker.router.send(client.identity, args, ok));
