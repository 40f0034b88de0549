/**
 * What each request answers: the result types of the request table (./requests.ts), and the
 * shapes streams carry. Types only, so any code may import them for free.
 */
import type { MessageView, Priority } from "./message.ts";

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
  federation?: FederationStatus;
}

/** What `backup` wrote: an archive (src/protocol/backup-manifest.ts) of the store, its attachments and config. */
export interface BackupResult {
  file: string;
  bytes: number;
  schema_version: number;
  messages: number;
  blobs: number;
  /** Attachments the store refers to whose file was missing or damaged: not in the archive. */
  missing_blobs: string[];
  config: boolean;
}

export interface ShutdownResult {
  pid: number;
}

export interface RegisterResult {
  name: string;
  token: string;
  rotated: boolean;
}

/** Who the caller is, with its presence (the same as its `agents` entry). */
export type WhoamiResult = AgentInfo;

/**
 * An identity and whether anyone is there (`agents`, `whoami`, and the MCP tool `list_agents`).
 * Presence is what the daemon sees now: live subscriptions on open connections, a hook's last
 * call, a session's state and output.
 */
export interface AgentInfo {
  name: string;
  kind: "operator" | "agent" | "session";
  /** A live subscriber (inbox --follow, an MCP server, notices), a hook seen recently, or a running session. */
  online: boolean;
  /** How it is reached now: `follow` (inbox --follow), `mcp` (maestro mcp), `notices` (--notify inject), `hook` (a hook within the last 10 minutes). */
  via: ("follow" | "mcp" | "notices" | "hook")[];
  /** A connection of this identity is open now. */
  connected: boolean;
  /** Its session: running, exited, or removed; null for others. */
  session: "running" | "exited" | "removed" | null;
  /** A running session: busy while its program wrote output within `inject.quiet_ms`, else idle; null for others. */
  activity: "idle" | "busy" | null;
  /** When a connection of it last came or went (or its session last wrote output), since the daemon started; null if never. */
  last_seen: string | null;
  /** When a hook (`inbox --hook`) last asked for its messages; null if never since the daemon started. */
  hook_seen_at: string | null;
  /** Messages waiting unread (the count `inbox --unread` lists). */
  unread: number;
}

export interface SendResult {
  id: string;
  recipients: string[];
  /** True when an earlier send with the same idempotency key answered; nothing new was stored. */
  duplicate: boolean;
}

export interface WaitResult {
  id: string;
  reached: "delivered" | "read" | "reply";
  reply: MessageView | null;
}

export interface GroupResult {
  groups: { name: string; members: string[] }[];
}

/** One identity as `identity ls` shows it. */
export interface IdentityInfo {
  name: string;
  kind: "operator" | "agent" | "session";
  created_at: string;
  /** When a connection of this identity last came or went, since the daemon started; null if none. */
  last_seen: string | null;
  /** A connection of this identity is open now. */
  online: boolean;
  /** Its session: running or exited; "removed" once `rm` forgot it or its daemon stopped (it is then out of `*`); null for others. */
  session: "running" | "exited" | "removed" | null;
}

export interface IdentityRmResult {
  name: string;
  /** Unread messages to it, now dead-lettered (reason recipient_removed). */
  dead_lettered: number;
  /** Groups it was taken out of. */
  groups: number;
}

export type AuditOutcome = "ok" | "denied" | "error";

/** One audit record; `at` is an ISO 8601 time, like every other time on the wire. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: string;
}

/** What `events --follow` streams: audit records and message lifecycle events. */
export type DaemonEvent = ({ kind: "audit" } & AuditEntry) | { kind: "message"; at: string; event: "sent" | "delivered" | "read" | "acked"; id: string; from?: string; to: string[] };

// ── Sessions ─────────────────────────────────────────────────────────────────────────────────

export type RestartPolicy = "no" | "on-failure" | "always";
export type NotifyMode = "none" | "inject";

export interface NewResult {
  name: string;
  pid: number;
}

/** One session as `ls` shows it. */
export interface SessionInfo {
  name: string;
  command: string[];
  pid: number;
  state: "running" | "exited";
  /** Set once the program has exited (and not been restarted). */
  exit_code: number | null;
  signal: string | null;
  clients: number;
  cols: number;
  rows: number;
  created_at: string;
  last_activity: string;
  /** Running: busy while the program wrote output within `inject.quiet_ms`, else idle; null once exited. */
  activity: "idle" | "busy" | null;
  /** How its identity is reached now, as in `agents`: `notices`, `mcp`, `follow`, `hook`. */
  via: AgentInfo["via"];
  unread: number;
  notify: NotifyMode;
  /** `--notify inject`: messages waiting for a notice the program has taken. */
  pending_notices: number;
  /**
   * `--notify inject`: while notices wait because a program they are never typed into is in
   * front (a shell, editor or pager; `inject.hold_for`), its name; "unknown" when the program in
   * front cannot be seen. Null otherwise.
   */
  notices_held_by: string | null;
  /**
   * `--notify inject`: while notices wait, the gate that holds them: a person `typing` (within
   * `inject.typing_ms`), a `half_typed_line`, the program's `output` (not yet `inject.quiet_ms`
   * silent), a `program_in_front` they are never typed into, a `retry` after a notice not taken,
   * or `confirm` (one is being typed and checked now). Null when none wait.
   */
  notices_waiting_for: NoticeWait | null;
  /** Ids of waiting messages the attached clients were told of by a banner (past their bound). */
  notices_told: string[];
  restart: RestartPolicy;
  restarts: number;
  /** Attached clients: each one's backlog and whether it is held back as too slow. */
  attached: { id: string; read_only: boolean; backlog: number; stalled: boolean }[];
}

export interface AttachResult {
  name: string;
  /** The daemon's configured default detach key (config `sessions.detach_key`). */
  detach_key: string;
  cols: number;
  rows: number;
}

/** EVENT payloads on an attach stream. */
/** How a terminal client raises a desktop notification with a banner (`inject.desktop_notify`). */
export type DesktopNotify = "auto" | "osc9" | "osc777" | "off";

/**
 * `--notify inject`: notices waited past their bound (`inject.max_hold_ms` and the shorter ones
 * for high and urgent), so every attached client shows this line itself, outside the program's
 * screen. `text` holds only ASCII letters, digits, spaces and `.,:-_/`; `ids` by priority.
 */
export interface BannerEvent {
  type: "banner";
  text: string;
  ids: string[];
  /** The highest priority among them. */
  priority: Priority;
  desktop: DesktopNotify;
}

export type AttachEvent =
  | { type: "exit"; code: number | null; signal: string | null; restarting: boolean }
  | { type: "restarted"; pid: number }
  | BannerEvent
  /** The banner is gone; a redraw of the screen follows (to paint over where it was). */
  | { type: "banner_clear" };

/** What waiting notices wait for (`ls`): the first gate that is shut. */
export type NoticeWait = "typing" | "half_typed_line" | "output" | "program_in_front" | "retry" | "confirm";

export interface KillResult {
  name: string;
  signal: string;
  /** True when the program had exited by the time the reply was sent. */
  exited: boolean;
}

export interface TypeResult {
  name: string;
  bytes: number;
}

export interface PeekResult {
  name: string;
  text: string;
}

/** The one EVENT a wait stream carries before END. */
export type WaitEvent =
  | { type: "idle" }
  | { type: "exit"; code: number | null; signal: string | null }
  | { type: "match"; line: string }
  | { type: "timeout" };

// ── The web gateway ──────────────────────────────────────────────────────────────────────────

export interface WebStartResult {
  /** The one-time login URL (valid 5 minutes, single use). */
  url: string;
  /** The address actually listened on (port 0 resolved). */
  listen: string;
  /** When the login code in `url` expires (ISO 8601). */
  expires_at: string;
  tls: boolean;
}

export interface WebShareResult {
  url: string;
  session: string;
  read_only: boolean;
  expires_at: string;
}

/** `status`'s federation part : present only when `[federation] nats` is set. */
export interface FederationStatus {
  host: string;
  nats: string;
  connected: boolean;
  /** Messages and receipts committed here and not yet stored by JetStream. */
  outbox: number;
  last_error: string | null;
  /** Hosts in the directory, this one included. */
  hosts: number;
  published: number;
  received: number;
  duplicates: number;
  refused: number;
}

/** One host's entry in the federation directory (the KV bucket), as `ls --all-hosts` shows it. */
export interface HostForgetResult {
  host: string;
  /** The fingerprint that was pinned. */
  forgot: string;
  /** The fingerprint pinned now (the host's current directory entry), or null until it writes one. */
  pinned: string | null;
}

export interface DirectoryHost {
  host: string;
  /** When that host last wrote its entry. */
  at: string;
  /** The first 16 hex digits of a SHA-256 of its Ed25519 public key. */
  key: string;
  names: DirectoryName[];
}

export interface DirectoryName {
  name: string;
  kind: "operator" | "agent" | "session";
  /** online: a connection is open as it (a session: its program runs); offline otherwise. */
  presence: "online" | "offline";
}
