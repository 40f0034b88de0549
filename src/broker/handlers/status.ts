import { PROTOCOL_VERSION, VERSION } from "../../protocol/version.ts";
import type { Handler } from "../types.ts";

export const status: Handler<"status"> = ({ broker, client }) => ({
  version: VERSION,
  protocol: PROTOCOL_VERSION,
  pid: process.pid,
  started_at: broker.startedAt.toISOString(),
  uptime_s: Math.round((Date.now() - broker.startedAt.getTime()) / 1000),
  home: broker.paths.home,
  socket: broker.paths.socket,
  db: { path: broker.store.path, bytes: broker.store.bytes },
  connections: broker.clients.size,
  sessions: broker.sessions.size,
  messages: broker.store.messages.count(),
  identity: client.identity.name,
  unread: broker.store.messages.unreadCount(client.identity.name, Date.now()),
  ...(broker.federation ? { federation: broker.federation.status() } : {}),
});
