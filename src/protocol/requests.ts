/**
 * The request table: one entry per request type — its argument schema, who may make it, whether
 * it opens a stream, and what it answers. It is the contract: the daemon checks every request
 * against it before any handler runs (src/broker/checked.ts); docs/protocol.md's request tables
 * are generated from it (scripts/gen-docs.ts); the HTTP API and the MCP tools follow it. Client
 * verbs import this module with `import type` only, so none of them loads the schema library.
 */
import { z } from "zod";
import * as F from "./fields.ts";
import * as L from "./limits.ts";
import type { MessageView } from "./message.ts";
import type * as R from "./results.ts";

export type * from "./results.ts";

/** Who may make a request: anyone who said hello, or the operator alone (`to` finishes "only the operator may …"). */
export type Access = { who: "anyone" } | { who: "operator"; to: string };
const anyone: Access = { who: "anyone" };
const operator = (to: string): Access => ({ who: "operator", to });

export interface RequestSpec<S extends z.ZodType = z.ZodType> {
  args: S;
  access: Access;
  /** `always`: the reply is followed by a stream; `follow`: only with `follow: true`. */
  stream?: "always" | "follow";
  /** The result, and anything a client must know, for docs/protocol.md. */
  result: string;
  /** The table of docs/protocol.md it is listed in. */
  section: "daemon" | "messages" | "sessions";
}

const spec = <S extends z.ZodType>(s: RequestSpec<S>) => s;
const obj = z.strictObject;

export const REQUESTS = {
  // ── the daemon ──
  status: spec({
    section: "daemon",
    args: F.none(),
    access: anyone,
    result: "`{version, protocol, pid, started_at, uptime_s, home, socket, db: {path, bytes}, connections, sessions, messages, identity, unread}`: `identity` is who asked, `unread` their unread count (the one `inbox --unread` lists); with `[federation]`, `federation: {host, nats, connected, outbox, last_error, hosts, published, received, duplicates, refused}`",
  }),
  shutdown: spec({
    section: "daemon",
    args: obj({ force: F.bool().optional().describe("Stop even though sessions run (they end with the daemon)") }),
    access: operator("stop the daemon"),
    result: "`{pid}`. The daemon then closes the store, removes the socket and exits 0. While sessions run, refused (`forbidden`, `details: {running: N}`) unless `force`",
  }),
  backup: spec({
    section: "daemon",
    args: obj({ file: F.nonEmpty().max(4096, { error: "must be at most 4096 characters" }).describe("Absolute path of the archive to write") }),
    access: operator("take backups"),
    result:
      "`{file, bytes, schema_version, messages, blobs, missing_blobs, config}` once the archive (a tar: `manifest.json`, `maestro.db`, `blobs/<sha256>`, `config.toml`) is synced and renamed to `file` (absolute). The store is copied by `VACUUM INTO` on a connection of its own: writers are not stopped, and every send acknowledged before the request is in it",
  }),
  register: spec({
    section: "daemon",
    args: obj({ name: F.name(), rotate: F.bool().optional().describe("Issue a new token for an existing identity; the old one stops working") }),
    access: operator("register identities"),
    result: "`{name, token, rotated}`; the token is shown only here",
  }),
  whoami: spec({
    section: "daemon",
    args: F.none(),
    access: anyone,
    result: "`AgentInfo` of the caller: `{name, kind, online, via, connected, session, activity, last_seen, hook_seen_at, unread}`; `kind` is `operator`, `agent` or `session`",
  }),
  agents: spec({
    section: "daemon",
    args: obj({ name: F.name().optional() }),
    access: anyone,
    result:
      '`AgentInfo[]`: `{name, kind, online, via: ("follow" | "mcp" | "notices" | "hook")[], connected, session, activity: "idle" | "busy" | null, last_seen, hook_seen_at, unread}`; `name`: that one only (`not_found` if none)',
  }),
  "identity.ls": spec({
    section: "daemon",
    args: F.none(),
    access: operator("list identities"),
    result: '`IdentityInfo[]`: `{name, kind, created_at, last_seen, online, session: "running" | "exited" | "removed" | null}`',
  }),
  "identity.rm": spec({
    section: "daemon",
    args: obj({ name: F.name() }),
    access: operator("remove identities"),
    result: "`{name, dead_lettered, groups}`: the token is revoked, its open connections get a fatal `unauthorized`, its unread messages are dead-lettered; the history stays and the name is free. `usage` for the operator or a running session's identity; `not_found` for an unknown name",
  }),
  audit: spec({
    section: "daemon",
    args: obj({ since: F.epochMs().optional(), limit: F.int(1, L.MAX_AUDIT_LIST).optional() }),
    access: operator("read the audit log"),
    result: "`AuditEntry[]`: `{at (ISO 8601), actor, action, target, outcome, detail}`, newest first",
  }),
  events: spec({
    section: "daemon",
    args: F.none(),
    access: operator("follow events"),
    stream: "always",
    result: '`null`, then a stream: one EVENT per audit record (`{kind: "audit", …AuditEntry}`) or message event (`{kind: "message", at, event, id, from?, to}`), until CANCEL',
  }),
  metrics: spec({ section: "daemon", args: F.none(), access: anyone, result: "`{text}`: the Prometheus exposition `maestro metrics` prints" }),
  "web.start": spec({
    section: "daemon",
    args: obj({ listen: F.str().optional().describe("ADDR:PORT; default 127.0.0.1:7681 or [web] listen") }),
    access: operator("start the web gateway"),
    result:
      "`{url, listen, expires_at, tls}`: the gateway listens (default `127.0.0.1:7681`, or `[web] listen`) and `url` carries a fresh one-time login code (5 minutes, single use). Already listening: a new code for the same listener (`usage` if `listen` names another). A non-loopback address without `[web] tls_cert`/`tls_key` is `forbidden`",
  }),
  "web.stop": spec({ section: "daemon", args: F.none(), access: operator("stop the web gateway"), result: "`{stopped, listen}`: every browser login and share link ends with it" }),
  "web.revoke": spec({
    section: "daemon",
    args: F.none(),
    access: operator("revoke web logins"),
    result: "`{logins, shares}` ended: every login cookie and share link stops working at once; their WebSockets are closed",
  }),
  "web.share": spec({
    section: "daemon",
    args: obj({ session: F.name(), read_only: F.bool().optional(), ttl_ms: F.int(1000, L.MAX_WAIT_MS).optional().describe("Default 1 h") }),
    access: operator("share sessions"),
    result: "`{url, session, read_only, expires_at}`: a link to one session (read-only unless `read_only: false`) that can see nothing else; `unavailable` when the gateway is not listening",
  }),
  "web.token": spec({
    section: "daemon",
    args: obj({ rotate: F.bool().optional() }),
    access: operator("issue the web API token"),
    result: "`{token, rotated}`: the operator's bearer token for the HTTP API, shown only here (stored hashed); `forbidden` if one exists and not `rotate`",
  }),

  // ── messages ──
  send: spec({
    section: "messages",
    args: obj({
      to: F.strings(L.MAX_RECIPIENTS).describe("Identity names, @group, or * (every identity but the sender and removed sessions)"),
      reply_to: F.str().optional().describe("The message this answers: the new one joins its thread"),
      thread: F.str().optional().describe("Any message of the thread to post in"),
      ...F.composeFields,
    }),
    access: anyone,
    result: "`{id, recipients, duplicate}`, sent only after COMMIT; `duplicate`: an earlier send with the same idempotency key answered and nothing new was stored",
  }),
  reply: spec({
    section: "messages",
    args: obj({ id: F.nonEmpty().describe("The message to answer"), ...F.composeFields }),
    access: anyone,
    result: "`{id, recipients, duplicate}`; goes to the parent's sender, in its thread, and marks the parent read",
  }),
  "message.wait": spec({
    section: "messages",
    args: obj({ id: F.nonEmpty(), for: F.oneOf(["delivered", "read", "reply"]), timeout_ms: F.int(1, L.MAX_WAIT_MS).optional().describe("Default 30 s") }),
    access: anyone,
    result: "`{id, reached, reply: MessageView | null}`; error `timeout` (exit 4). A client whose connection drops (a daemon restart) may ask again with the same id and the time left",
  }),
  inbox: spec({
    section: "messages",
    args: obj({
      name: F.str().optional().describe("Whose inbox; default the caller. Only the operator may look at another's (a peek that marks nothing)"),
      unread: F.bool().optional(),
      fresh: F.bool().optional().describe("Only messages not yet delivered (queued): what a hook has not shown yet"),
      from: F.str().optional(),
      thread: F.str().optional(),
      since: F.epochMs().optional(),
      limit: F.listLimit().optional(),
      follow: F.bool().optional().describe("Keep the stream open: EVENT frames carry each MessageView as it arrives"),
      confirm: F.bool()
        .optional()
        .describe("With follow: push without marking delivered; the follower confirms each message it passed on with `delivered` (an MCP server, once the event is written)"),
    }),
    access: anyone,
    stream: "follow",
    result: "`MessageView[]`; marks them delivered. With `follow: true` the result is `[]` and the request becomes a stream: one EVENT per message (`event` = MessageView), what is owed first, until CANCEL. With `confirm` such a stream may push a message again (after a pause, on redelivery) and each event's `status` is the stored one",
  }),
  delivered: spec({
    section: "messages",
    args: obj({ ids: F.strings(L.MAX_IDS) }),
    access: anyone,
    result: "`{delivered: [id]}`: the caller's own deliveries among `ids` that went queued → delivered (an `--ack` message counts one more attempt); ids not addressed to the caller are skipped",
  }),
  read: spec({
    section: "messages",
    args: obj({ ids: F.strings(L.MAX_IDS), mark: F.bool().optional().describe("false: show without marking read (a client saving attachments marks after they are saved)") }),
    access: anyone,
    result: "`MessageView[]`, each with `expired: boolean` (its TTL has run out: not marked read, status `expired`); marks them read",
  }),
  ack: spec({ section: "messages", args: obj({ ids: F.strings(L.MAX_IDS) }), access: anyone, result: "`{acked: [id]}`; stops `--ack` redelivery, implies read" }),
  thread: spec({ section: "messages", args: obj({ id: F.nonEmpty() }), access: anyone, result: "`MessageView[]`: the whole thread, oldest first" }),
  history: spec({
    section: "messages",
    args: obj({ from: F.str().optional(), to: F.str().optional(), since: F.epochMs().optional(), limit: F.listLimit().optional() }),
    access: anyone,
    result: "`MessageView[]`",
  }),
  search: spec({
    section: "messages",
    args: obj({ query: F.nonEmpty().describe("Plain words (each quoted for FTS5), or an FTS5 query"), limit: F.listLimit().optional() }),
    access: anyone,
    result: "`MessageView[]`",
  }),
  dead: spec({ section: "messages", args: obj({ limit: F.listLimit().optional() }), access: anyone, result: "`MessageView[]`: dead letters (yours; the operator sees all)" }),
  purge: spec({ section: "messages", args: obj({ older_than_ms: F.int(1, L.MAX_EPOCH_MS) }), access: operator("purge messages"), result: "`{messages, blobs}`" }),
  group: spec({
    section: "messages",
    args: obj({ action: F.oneOf(["add", "rm", "ls"]), name: F.str().optional(), members: F.strings(L.MAX_RECIPIENTS).optional() }),
    access: anyone,
    result: "`{groups: [{name, members}]}`; `add` and `rm` are the operator's",
  }),
  "blob.get": spec({
    section: "messages",
    args: obj({ message: F.nonEmpty(), sha256: F.nonEmpty() }),
    access: anyone,
    result: "`{name, data (base64)}` for a message the caller can see",
  }),

  // ── sessions ──
  new: spec({
    section: "sessions",
    args: obj({
      name: F.name(),
      command: F.strings(4096).describe("The program and its arguments; the client fills in $SHELL when none is given"),
      cwd: F.str().optional().describe("Absolute working directory; the client sends its own"),
      environ: F.strings(65_536).optional().describe("The caller's whole environment as K=V: the program starts with it, as if run where `new` was typed (minus MAESTRO_TOKEN/MAESTRO_SESSION)"),
      env: F.strings(4096).optional().describe("K=V pairs added on top (--env)"),
      notify: F.oneOf(["none", "inject"]).optional(),
      restart: F.oneOf(["no", "on-failure", "always"]).optional(),
      log: F.bool().optional().describe("Append all output to $MAESTRO_HOME/logs/<name>.log"),
      cols: F.cols().optional(),
      rows: F.rows().optional(),
    }),
    access: operator("create sessions"),
    result: "`{name, pid}`. Checked before anything is made: the name (free, not reserved, not an agent's), `cwd` is an absolute directory, the command's size, `command[0]` resolves on the child's `PATH`; a failed spawn leaves no session and no new identity",
  }),
  "session.notify": spec({
    section: "sessions",
    args: obj({ name: F.name(), mode: F.oneOf(["none", "inject"]) }),
    access: anyone,
    result: "`{name, notify}`; the operator, or the session itself",
  }),
  ls: spec({
    section: "sessions",
    args: F.none(),
    access: anyone,
    result: '`SessionInfo[]`: `{name, command, pid, state: "running" | "exited", exit_code, signal, clients, cols, rows, created_at, last_activity, activity: "idle" | "busy" | null, via (as in `agents`), unread, notify, pending_notices, notices_held_by: string | null, notices_waiting_for: string | null, notices_told: string[], restart, restarts, attached: [{id, read_only, backlog, stalled}]}`',
  }),
  directory: spec({
    section: "sessions",
    args: F.none(),
    access: anyone,
    result: "`{host, hosts: DirectoryHost[]}`: every host of the federation directory, `{host, at, key, names: [{name, kind, presence}]}` (`ls --all-hosts`); `not_found` when federation is off",
  }),
  "host.forget": spec({
    section: "sessions",
    args: obj({ host: F.str().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a host name: 1–63 of a-z 0-9 _ -") }),
    access: operator("forget a host's pinned key"),
    result: "`{host, forgot, pinned}`: the key fingerprint that was pinned for HOST, and the one pinned now (its current directory entry, read again) or null; audited. `not_found` for a host not in the directory or with federation off, `usage` for this host itself",
  }),
  attach: spec({
    section: "sessions",
    args: obj({
      name: F.name(),
      cols: F.cols().optional(),
      rows: F.rows().optional(),
      read_only: F.bool().optional(),
      history: F.int(0, L.MAX_ATTACH_HISTORY).optional().describe("History lines to put into the outer terminal's scrollback; default from config"),
      tty: F.str().optional().describe("Names the client's terminal (e.g. /dev/pts/3@<ctime ms>): a re-attach from it gets only the history new since it detached there"),
    }),
    access: anyone,
    stream: "always",
    result: "`{name, detach_key, cols, rows}` (the session's size, after fitting it to its smallest writable client), then the attach stream (below); typing needs the operator or the session itself; `forbidden` from a process inside that same session",
  }),
  resize: spec({
    section: "sessions",
    args: obj({ stream: F.int(0, 2 ** 32 - 1).describe("The attach stream (its request id) on this connection"), cols: F.cols(), rows: F.rows() }),
    access: anyone,
    result: "`{}`: the new size of the client behind attach stream `stream`; the session is refitted at once",
  }),
  kill: spec({
    section: "sessions",
    args: obj({ name: F.name(), signal: F.str().optional().describe("A signal name (TERM, SIGKILL, …) or number; default SIGHUP, a hang-up") }),
    access: anyone,
    result: "`{name, signal, exited}` after the program exits or the 3 s grace period; `usage` if it already exited (one waiting to be respawned by `--restart` is stopped instead: no respawn follows)",
  }),
  rm: spec({
    section: "sessions",
    args: obj({ name: F.name(), force: F.bool().optional().describe("Kill a running session (SIGKILL) before removing it") }),
    access: anyone,
    result: "`{name}`; `usage` if running and not `force`",
  }),
  type: spec({
    section: "sessions",
    args: obj({
      name: F.name(),
      text: F.str().optional().describe("Literal text"),
      keys: F.strings(4096).optional().describe("Named keys (Enter, C-c, Up, …), written after the text; cursor keys follow the program's application-cursor mode"),
      enter: F.bool().optional().describe("Send Enter (a carriage return) last"),
    }),
    access: anyone,
    result: `\`{name, bytes}\`; \`usage\` for an unknown key, nothing to type, or an exited session; \`too_large\` past ${L.TYPE_MAX_BYTES} bytes`,
  }),
  peek: spec({
    section: "sessions",
    args: obj({ name: F.name(), lines: F.int(0, L.MAX_WAIT_MS).optional().describe("Lines of history above the screen"), ansi: F.bool().optional().describe("Keep colours and attributes as SGR sequences") }),
    access: anyone,
    result: "`{name, text}`",
  }),
  wait: spec({
    section: "sessions",
    args: obj({
      name: F.name(),
      idle_ms: F.int(0, L.MAX_WAIT_MS).optional(),
      exit: F.bool().optional(),
      match: F.str().optional().describe("A JavaScript regular expression tested against the screen's text"),
      timeout_ms: F.int(0, L.MAX_WAIT_MS).optional(),
    }),
    access: anyone,
    stream: "always",
    result: "`{}`, then a stream carrying one EVENT and END",
  }),
} as const satisfies Record<string, RequestSpec>;

/** What each request answers. */
interface Results {
  status: R.StatusResult;
  directory: { host: string; hosts: R.DirectoryHost[] };
  "host.forget": R.HostForgetResult;
  shutdown: R.ShutdownResult;
  backup: R.BackupResult;
  register: R.RegisterResult;
  whoami: R.WhoamiResult;
  agents: R.AgentInfo[];
  delivered: { delivered: string[] };
  "identity.ls": R.IdentityInfo[];
  "identity.rm": R.IdentityRmResult;
  audit: R.AuditEntry[];
  events: null;
  metrics: { text: string };
  "web.start": R.WebStartResult;
  "web.stop": { stopped: boolean; listen: string | null };
  "web.revoke": { logins: number; shares: number };
  "web.share": R.WebShareResult;
  "web.token": { token: string; rotated: boolean };
  send: R.SendResult;
  reply: R.SendResult;
  "message.wait": R.WaitResult;
  inbox: MessageView[];
  read: MessageView[];
  ack: { acked: string[] };
  thread: MessageView[];
  history: MessageView[];
  search: MessageView[];
  dead: MessageView[];
  purge: { messages: number; blobs: number };
  group: R.GroupResult;
  "blob.get": { name: string; data: string };
  new: R.NewResult;
  "session.notify": { name: string; notify: R.NotifyMode };
  ls: R.SessionInfo[];
  attach: R.AttachResult;
  resize: Record<string, never>;
  kill: R.KillResult;
  rm: { name: string };
  type: R.TypeResult;
  peek: R.PeekResult;
  wait: Record<string, never>;
}

export type RequestType = keyof typeof REQUESTS;
/** What a well-behaved client sends. */
export type ArgsOf<T extends RequestType> = z.input<(typeof REQUESTS)[T]["args"]>;
/** What a handler receives, once the table has checked it. */
export type CheckedArgs<T extends RequestType> = z.output<(typeof REQUESTS)[T]["args"]>;
export type ResultOf<T extends RequestType> = Results[T];

// Every request type has a result and every result a request type: a missing one stops the build.
const everyResult: [Exclude<RequestType, keyof Results>, Exclude<keyof Results, RequestType>] extends [never, never] ? true : false = true;
void everyResult;

/** The compose arguments `send` and `reply` share. */
export type ComposeArgs = Omit<ArgsOf<"reply">, "id">;
export type InboxArgs = ArgsOf<"inbox">;
export type HistoryArgs = ArgsOf<"history">;
