import { activityOf, connectedNames, presenceOf } from "./agents.ts";
import type { SessionInfo } from "../../protocol/requests.ts";
import type { Session } from "../../pty/session.ts";
import type { Broker, Handler } from "../types.ts";

/** Unread messages addressed to a session's identity: the same count `inbox --unread` shows. */
export function unreadCount(broker: Broker, name: string): number {
  return broker.store.messages.unreadCount(name, Date.now());
}

/** One session as `ls` (and the web gateway's `session` push) shows it. */
export function sessionInfo(broker: Broker, s: Session, connected = connectedNames(broker)): SessionInfo {
  return {
    ...s.info(unreadCount(broker, s.name)),
    activity: activityOf(broker, s.lastActivity, s.running),
    via: presenceOf(broker, { name: s.name, kind: "session" }, connected).via,
  };
}

export const ls: Handler<"ls"> = ({ broker }) => {
  const connected = connectedNames(broker);
  return broker.sessions.list().map((s) => sessionInfo(broker, s, connected));
};
