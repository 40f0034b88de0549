/**
 * `maestro.v1`, the WebSocket protocol of the web gateway (docs/protocol.md has the full
 * chapter). Text frames carry one JSON object each, named by `type`; binary frames carry terminal
 * bytes: server → client an 8-byte big-endian `seq` (the output offset of the first byte) then
 * the bytes, client → server keystrokes as they are.
 */
import type { DeliveryStatus, MessageView, Priority } from "./message.ts";
import type { DaemonEvent, SessionInfo } from "./requests.ts";

export const WS_SUBPROTOCOL = "maestro.v1";
export const WS_PATH = "/ws";
/** Bytes before the terminal bytes in a server binary frame. */
export const WS_SEQ_BYTES = 8;
export type WsTopic = "sessions" | "messages" | "events";

export type WsClientMessage =
  | { type: "hello"; token?: string }
  | { type: "join"; session: string; cols: number; rows: number; read_only?: boolean; since?: number }
  | { type: "resize"; cols: number; rows: number }
  | { type: "ack"; seq: number }
  | { type: "leave" }
  | { type: "subscribe"; topics: WsTopic[] };

export type WsServerMessage =
  | { type: "welcome"; protocol: typeof WS_SUBPROTOCOL; version: string; features: string[]; identity: { name: string; kind: string }; scope: { session: string; read_only: boolean } | null; window_bytes: number }
  | { type: "joined"; session: string; seq: number; cols: number; rows: number; read_only: boolean; resumed: boolean }
  | { type: "screen"; seq: number; cols: number; rows: number }
  | { type: "resized"; cols: number; rows: number }
  | { type: "exit"; code: number | null; signal: string | null; restarting: boolean }
  | { type: "restarted"; pid: number }
  | { type: "banner"; text: string; ids: string[]; priority: Priority }
  | { type: "banner_clear" }
  | { type: "left"; session: string; reason: string }
  | { type: "subscribed"; topics: WsTopic[] }
  | { type: "session"; name: string; session: SessionInfo | null }
  | { type: "message"; event: DaemonEvent & { kind: "message" } }
  | { type: "event"; event: DaemonEvent }
  | { type: "mail"; message: MailView }
  | { type: "rates"; at: string; messages_per_s: number; bytes_per_s: number }
  | { type: "error"; code: string; message: string; exit: number; fatal?: boolean };

/** A message as the dashboard's timeline shows it: the message and every recipient's delivery status. */
export interface MailView extends Omit<MessageView, "recipient" | "status" | "attempts" | "delivered_at" | "read_at" | "acked_at" | "dead_reason" | "expired"> {
  deliveries: { recipient: string; status: DeliveryStatus }[];
}

/** How many recent messages a `messages` subscription starts with (`mail` pushes, oldest first). */
export const MAIL_BACKLOG = 200;
/** How often a subscriber to `events` gets a `rates` push, in ms. */
export const RATES_EVERY_MS = 1000;
