import type { Broker, Handler } from "../types.ts";

/** Unread messages addressed to a session's identity. */
export function unreadCount(_broker: Broker, _name: string): number {
  return 0; // wired to the message store when messaging lands
}

export const ls: Handler<"ls"> = ({ broker }) => broker.sessions.list().map((s) => s.info(unreadCount(broker, s.name)));
