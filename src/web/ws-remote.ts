/**
 * Other hosts' sessions for the dashboard (federation on): what the directory says of them —
 * their names and presence — as session rows named `name@host`. The directory is the daemon's
 * copy of the KV bucket; rows are compared with it every couple of seconds and only changes are
 * pushed. Opening one joins `name@host`, which goes through the remote-terminal bridge.
 */
import type { Broker } from "../broker/types.ts";
import type { SessionInfo } from "../protocol/results.ts";

const EVERY_MS = 2000;

function remoteInfo(name: string, online: boolean, at: string): SessionInfo {
  return {
    name,
    command: [],
    pid: 0,
    state: online ? "running" : "exited",
    exit_code: null,
    signal: null,
    clients: 0,
    cols: 0,
    rows: 0,
    created_at: at,
    last_activity: at,
    activity: null,
    via: [],
    unread: 0,
    notify: "none",
    pending_notices: 0,
    notices_held_by: null,
    notices_waiting_for: null,
    notices_told: [],
    restart: "no",
    restarts: 0,
    attached: [],
  };
}

function snapshot(broker: Broker): Map<string, SessionInfo> {
  const fed = broker.federation;
  const out = new Map<string, SessionInfo>();
  if (!fed) return out;
  for (const h of fed.directory()) {
    if (h.host === fed.host) continue;
    for (const n of h.names) if (n.kind === "session") out.set(`${n.name}@${h.host}`, remoteInfo(`${n.name}@${h.host}`, n.presence === "online", h.at));
  }
  return out;
}

/** Pushes every remote session now, then changes; returns the stop function. */
export function watchRemoteSessions(broker: Broker, push: (name: string, info: SessionInfo | null) => void): () => void {
  if (!broker.federation) return () => {};
  let last = new Map<string, string>();
  const round = () => {
    const now = snapshot(broker);
    const seen = new Map<string, string>();
    for (const [name, info] of now) {
      const key = `${info.state}`;
      seen.set(name, key);
      if (last.get(name) !== key) push(name, info);
    }
    for (const name of last.keys()) if (!seen.has(name)) push(name, null);
    last = seen;
  };
  round();
  const t = setInterval(round, EVERY_MS);
  return () => clearInterval(t);
}
