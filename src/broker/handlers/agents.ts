/**
 * Presence: who is there to answer. Everything here is what the daemon sees now (live streams on
 * open connections, a hook's last call, a session's output), so it costs no writes.
 */
import { MaestroError } from "../../protocol/errors.ts";
import type { AgentInfo } from "../../protocol/requests.ts";
import type { IdentityRow } from "../store/identities.ts";
import type { Broker, Handler } from "../types.ts";

/** A hook runs on every prompt; one not seen for this long is taken as gone. */
export const HOOK_RECENT_MS = 10 * 60_000;

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

/** A running session's output activity: busy while it wrote within `inject.quiet_ms`. */
export function activityOf(broker: Broker, lastOutput: number, running: boolean, now = Date.now()): AgentInfo["activity"] {
  if (!running) return null;
  return now - lastOutput < broker.config.inject.quiet_ms ? "busy" : "idle";
}

export function presenceOf(broker: Broker, id: Pick<IdentityRow, "name" | "kind">, connected: ReadonlySet<string>, now = Date.now()): AgentInfo {
  const via: AgentInfo["via"] = [...broker.router.subscribedVia(id.name)];
  const hookAt = broker.router.hookSeen.get(id.name);
  if (hookAt !== undefined && now - hookAt < HOOK_RECENT_MS) via.push("hook");
  let session: AgentInfo["session"] = null;
  let activity: AgentInfo["activity"] = null;
  let seen = broker.lastSeen.get(id.name);
  if (id.kind === "session") {
    if (broker.sessions.has(id.name)) {
      const s = broker.sessions.get(id.name);
      session = s.running ? "running" : "exited";
      activity = activityOf(broker, s.lastActivity, s.running, now);
      seen = Math.max(seen ?? 0, s.lastActivity);
    } else session = "removed";
  }
  return {
    name: id.name,
    kind: id.kind,
    online: via.length > 0 || session === "running",
    via,
    connected: connected.has(id.name),
    session,
    activity,
    last_seen: iso(seen),
    hook_seen_at: iso(hookAt),
    unread: broker.store.messages.unreadCount(id.name, now),
  };
}

export function connectedNames(broker: Broker): Set<string> {
  return new Set([...broker.clients].map((c) => c.identity.name));
}

export const agents: Handler<"agents"> = ({ broker }, args) => {
  const only = typeof args.name === "string" ? args.name : undefined;
  const connected = connectedNames(broker);
  const now = Date.now();
  if (only !== undefined) {
    const id = broker.store.identities.get(only);
    if (!id) throw new MaestroError("not_found", `no identity "${only}": see \`maestro identity ls\``);
    return [presenceOf(broker, id, connected, now)];
  }
  return broker.store.identities.list().map((id) => presenceOf(broker, id, connected, now));
};
