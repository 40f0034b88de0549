/**
 * A `confirm` follower (an MCP server) says which messages it has passed on: only then are they
 * delivered, so a follower that dies between the daemon's push and its own write marks nothing.
 */
import { formatId, parseId } from "../../protocol/message.ts";
import type { CheckedArgs } from "../../protocol/requests.ts";
import type { Handler } from "../types.ts";

export const delivered: Handler<"delivered"> = async ({ broker, client }, raw) => {
  const { ids } = raw as CheckedArgs<"delivered">;
  const me = client.identity.name;
  const queued: string[] = [];
  for (const text of ids) {
    let id: number;
    try {
      id = parseId(text);
    } catch {
      continue; // not an id: nothing of the caller's to mark
    }
    if (broker.store.messages.delivery(me, id)?.status === "queued") queued.push(formatId(id));
  }
  if (queued.length > 0) await broker.router.deliveredTo(me, queued);
  return { delivered: queued };
};
