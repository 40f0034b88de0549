import { MaestroError } from "../../protocol/errors.ts";
import { optInt, reqString } from "../args.ts";
import type { WaitFor } from "../messaging/router.ts";
import type { Handler } from "../types.ts";

const WAITS: readonly WaitFor[] = ["delivered", "read", "reply"];

export const messageWait: Handler<"message.wait"> = async ({ broker, client, signal }, args) => {
  const id = reqString(args, "id");
  const what = reqString(args, "for") as WaitFor;
  if (!WAITS.includes(what)) throw new MaestroError("usage", `--wait must be delivered, read or reply, not "${what}"`);
  const timeout = optInt(args, "timeout_ms", 1, 2 ** 31 - 1) ?? 30_000;
  const reply = await broker.router.waitFor(client.identity, id, what, timeout, signal);
  return { id, reached: what, reply };
};
