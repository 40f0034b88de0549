import { MaestroError } from "../../protocol/errors.ts";
import type { WaitFor } from "../messaging/router.ts";
import type { Handler } from "../types.ts";

const WAITS: readonly WaitFor[] = ["delivered", "read", "reply"];

export const messageWait: Handler<"message.wait"> = async ({ broker, client, signal }, args) => {
  const id = args.id;
  const what = args.for as WaitFor;
  if (!WAITS.includes(what)) throw new MaestroError("usage", `--wait must be delivered, read or reply, not "${what}"`);
  const timeout = args.timeout_ms ?? 30_000;
  const reply = await broker.router.waitFor(client.identity, id, what, timeout, signal);
  return { id, reached: what, reply };
};
