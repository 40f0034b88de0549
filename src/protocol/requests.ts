import type { MessageView, Priority } from "./message.ts";

/**
 * Every request type the daemon answers, with its arguments and result. Both sides import this
 * map, so a request and its handler cannot disagree on shape without the type checker noticing.
 */

export interface StatusResult {
  version: string;
  protocol: number;
  pid: number;
  started_at: string;
  uptime_s: number;
  home: string;
  socket: string;
  db: { path: string; bytes: number };
  connections: number;
  sessions: number;
  messages: number;
  /** Who asked, and how many messages wait unread for them (the same count `inbox --unread` lists). */
  identity: string;
  unread: number;
}

export interface ShutdownResult {
  pid: number;
}

export interface RegisterArgs {
  name: string;
  /** Issue a new token for an existing identity; the old one stops working. */
  rotate?: boolean;
}

export interface RegisterResult {
  name: string;
  token: string;
  rotated: boolean;
}

export interface WhoamiResult {
  name: string;
  kind: "operator" | "agent" | "session";
}

export interface AttachmentUpload {
  name: string;
  /** The file's bytes, base64. Whole attachments ride in the send request so a refused send stores nothing. */
  data: string;
}

export interface ComposeArgs {
  body?: string;
  subject?: string;
  type?: string;
  priority?: Priority;
  ttl_ms?: number;
  meta?: Record<string, string>;
  attachments?: AttachmentUpload[];
  ack?: boolean;
  idempotency_key?: string;
}

export interface SendArgs extends ComposeArgs {
  /** Identity names, @group, or * (everyone but the sender). */
  to: string[];
  reply_to?: string;
  thread?: string;
}

export interface SendResult {
  id: string;
  recipients: string[];
  /** True when an earlier send with the same idempotency key answered; nothing new was stored. */
  duplicate: boolean;
}

export interface ReplyArgs extends ComposeArgs {
  id: string;
}

export interface WaitArgs {
  id: string;
  for: "delivered" | "read" | "reply";
  timeout_ms: number;
}

export interface WaitResult {
  id: string;
  reached: "delivered" | "read" | "reply";
  reply: MessageView | null;
}

export interface InboxArgs {
  /** Whose inbox; default the caller. Only the operator may look at another's (a peek that marks nothing). */
  name?: string;
  unread?: boolean;
  /** Only messages not yet delivered (queued): what a hook has not shown yet. */
  fresh?: boolean;
  from?: string;
  thread?: string;
  /** Epoch milliseconds. */
  since?: number;
  limit?: number;
  /** Keep the stream open: EVENT frames carry each MessageView as it arrives. */
  follow?: boolean;
}

export interface HistoryArgs {
  from?: string;
  to?: string;
  since?: number;
  limit?: number;
}

export interface GroupArgs {
  action: "add" | "rm" | "ls";
  name?: string;
  members?: string[];
}

export interface GroupResult {
  groups: { name: string; members: string[] }[];
}

export type AuditOutcome = "ok" | "denied" | "error";

/** One audit record; `at` is epoch milliseconds. */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: string;
}

/** What `events --follow` streams: audit records and message lifecycle events. */
export type DaemonEvent = ({ kind: "audit" } & AuditEntry) | { kind: "message"; at: number; event: "sent" | "delivered" | "read" | "acked"; id: string; from?: string; to: string[] };

export interface Requests {
  status: { args: Record<string, never>; result: StatusResult };
  shutdown: { args: Record<string, never>; result: ShutdownResult };
  register: { args: RegisterArgs; result: RegisterResult };
  whoami: { args: Record<string, never>; result: WhoamiResult };
  send: { args: SendArgs; result: SendResult };
  reply: { args: ReplyArgs; result: SendResult };
  "message.wait": { args: WaitArgs; result: WaitResult };
  inbox: { args: InboxArgs; result: MessageView[] };
  read: { args: { ids: string[] }; result: MessageView[] };
  ack: { args: { ids: string[] }; result: { acked: string[] } };
  thread: { args: { id: string }; result: MessageView[] };
  history: { args: HistoryArgs; result: MessageView[] };
  search: { args: { query: string; limit?: number }; result: MessageView[] };
  dead: { args: { limit?: number }; result: MessageView[] };
  purge: { args: { older_than_ms: number }; result: { messages: number; blobs: number } };
  group: { args: GroupArgs; result: GroupResult };
  audit: { args: { since?: number; limit?: number }; result: AuditEntry[] };
  events: { args: Record<string, never>; result: null };
  metrics: { args: Record<string, never>; result: { text: string } };
  "blob.get": { args: { message: string; sha256: string }; result: { name: string; data: string } };
}

export type RequestType = keyof Requests;
export type ArgsOf<T extends RequestType> = Requests[T]["args"];
export type ResultOf<T extends RequestType> = Requests[T]["result"];
