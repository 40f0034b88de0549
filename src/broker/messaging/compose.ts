/**
 * Turns a send request into a message row, checking everything first: no bad input stores
 * anything. Recipients are resolved here (names, @groups, *).
 */
import { MaestroError } from "../../protocol/errors.ts";
import { MAX_META_BYTES, MAX_SUBJECT_BYTES } from "../../protocol/limits.ts";
import { PRIORITIES, parseId, noSuchMessage } from "../../protocol/message.ts";
import { checkName } from "../../protocol/names.ts";
import { CONTROL_RE, visible } from "../../protocol/visible.ts";
import type { Identity } from "../../protocol/messages.ts";
import type { Config } from "../config.ts";
import type { Store } from "../store/index.ts";
import type { MessageRow } from "../store/messages.ts";
import { BlobStore } from "../blobs.ts";
import type { CheckedArgs } from "../../protocol/requests.ts";
import { splitAddress } from "../../protocol/address.ts";
import { HOST_RE } from "../config.ts";
import type { FederationPort } from "../federation-port.ts";

export interface Draft {
  row: Omit<MessageRow, "id" | "thread_id"> & { thread_id: number | null };
  recipients: string[];
  files: { name: string; bytes: Uint8Array }[];
  /** With an idempotency key: a digest of everything the message says (see contentHash). */
  contentHash: string | null;
}

const TYPE_RE = /^[a-z][a-z0-9_-]{0,31}$/;
const META_KEY_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export function compose(store: Store, config: Config, sender: Identity, args: CheckedArgs<"send">, now: number, remote?: FederationPort): Draft {
  const to = args.to;
  if (to.length === 0) throw new MaestroError("usage", "send: name a recipient: an identity, @group or *");
  const recipients = resolveRecipients(store, sender.name, to, remote);

  const subject = args.subject ?? "";
  const body = args.body ?? "";
  if (body.length === 0 && subject.trim().length === 0) {
    throw new MaestroError("usage", "send: the message is empty: give a body (an argument, or - for stdin) or --subject");
  }
  // JSON can carry lone surrogates ("\ud800"), which SQLite would store as U+FFFD: not text.
  if (!body.isWellFormed() || !subject.isWellFormed()) {
    throw new MaestroError("usage", "send: the body or subject is not valid Unicode text; send binary data as a file with --attach FILE");
  }
  const bodyBytes = Buffer.byteLength(body);
  if (bodyBytes > config.limits.body_bytes) {
    throw new MaestroError("too_large", `send: the body is ${bodyBytes} bytes, over the limit of ${config.limits.body_bytes} (limits.body_bytes)`);
  }
  if (Buffer.byteLength(subject) > MAX_SUBJECT_BYTES || /[\r\n]/.test(subject)) {
    throw new MaestroError("usage", `send: --subject must be one line of at most ${MAX_SUBJECT_BYTES} bytes`);
  }

  const type = args.type ?? "notification";
  if (!TYPE_RE.test(type)) throw new MaestroError("usage", `send: invalid --type "${type}": use a-z 0-9 _ - (e.g. request, task, status)`);
  const priority = PRIORITIES.indexOf(args.priority ?? "normal");
  const ttl = args.ttl_ms;

  let threadId: number | null = null;
  let inReplyTo: number | null = null;
  const replyTo = args.reply_to;
  if (replyTo !== undefined) {
    const parent = visibleMessage(store, sender, replyTo);
    inReplyTo = parent.id;
    threadId = parent.thread_id;
  }
  const thread = args.thread;
  if (thread !== undefined) {
    const t = visibleMessage(store, sender, thread).thread_id;
    if (threadId !== null && threadId !== t) throw new MaestroError("usage", "send: --reply-to and --thread name different threads");
    threadId = t;
  }

  const metadata = checkMeta(args.meta);
  const key = args.idempotency_key;
  if (key !== undefined && (key.length === 0 || key.length > 200)) {
    throw new MaestroError("usage", "send: --idempotency-key must be 1–200 characters");
  }
  const files = checkAttachments(config, args.attachments);

  const row: Draft["row"] = {
    sender: sender.name,
    recipients: JSON.stringify(recipients),
    subject,
    body,
    type,
    priority,
    thread_id: threadId,
    in_reply_to: inReplyTo,
    metadata: metadata === null ? null : JSON.stringify(metadata),
    attachments: files.length === 0 ? null : JSON.stringify(files.map((f) => ({ name: f.name, size: f.bytes.byteLength, sha256: BlobStore.digest(f.bytes) }))),
    idempotency_key: key ?? null,
    ack: args.ack ? 1 : 0,
    created_at: now,
    expires_at: ttl === undefined ? null : now + ttl,
  };
  return { recipients, files, row, contentHash: key === undefined ? null : contentHash(to, row, ttl) };
}

/**
 * What an idempotency key stands for: the recipients as written (a retry of `send '*'` matches
 * even if identities came and went meanwhile), subject, body, type, priority, metadata,
 * attachments, reply/thread, --ack and --ttl. Reusing the key for anything else is refused.
 */
function contentHash(to: string[], row: Draft["row"], ttl: number | undefined): string {
  const said = [[...new Set(to)].sort(), row.subject, row.body, row.type, row.priority, row.metadata, row.attachments, row.in_reply_to, row.thread_id, row.ack, ttl ?? null];
  return new Bun.CryptoHasher("sha256").update(JSON.stringify(said)).digest("hex");
}

/** Names must be identities; @group expands to its members; * is everyone current but the sender. */
export function resolveRecipients(store: Store, sender: string, exprs: string[], remote?: FederationPort): string[] {
  const out = new Set<string>();
  for (const expr of exprs) {
    if (expr === "*") {
      // Not the identities of removed sessions: * is everyone who is still around.
      for (const id of store.identities.list()) if (id.name !== sender && id.retired_at === null) out.add(id.name);
    } else if (expr.startsWith("@")) {
      const group = checkName(expr.slice(1), "group name");
      const members = store.messages.groupMembers(group);
      if (members.length === 0) throw new MaestroError("not_found", `no group @${group} (or it has no members): see \`maestro group ls\``);
      for (const m of members) if (m !== sender) out.add(checkRecipient(store, m, remote));
    } else {
      out.add(checkRecipient(store, expr, remote));
    }
  }
  if (out.size === 0) throw new MaestroError("not_found", "send: no recipients left (a group of only yourself, or * with no one else)");
  return [...out];
}

/**
 * A name or `name@host` that exists somewhere: a local identity, or a name the federation
 * directory lists for that host. Returns it as stored: bare when local (`name@<this host>` too).
 */
export function checkRecipient(store: Store, expr: string, remote: FederationPort | undefined): string {
  const addr = splitAddress(expr);
  if (addr && addr.host !== remote?.host) {
    const name = checkName(addr.name, "recipient");
    if (!remote) throw new MaestroError("not_found", `unknown recipient "${expr}": federation is off here (set [federation] nats in config.toml to reach other hosts)`);
    if (!HOST_RE.test(addr.host)) throw new MaestroError("usage", `invalid host in "${expr}": a host name is a-z 0-9 _ -`);
    const found = remote.lookup(name, addr.host);
    if (found === "no-host") throw new MaestroError("not_found", `unknown recipient "${expr}": no host "${addr.host}" in the federation directory (see \`maestro ls --all-hosts\`)`);
    if (found === "no-name") throw new MaestroError("not_found", `unknown recipient "${expr}": host ${addr.host} has no session or identity "${name}" (see \`maestro ls --all-hosts\`)`);
    return `${name}@${addr.host}`;
  }
  const name = checkName(addr ? addr.name : expr, "recipient");
  if (!store.identities.get(name)) {
    throw new MaestroError("not_found", `unknown recipient "${name}": no session or registered identity has that name (see \`maestro ls\`)`);
  }
  return name;
}

/**
 * A message the caller may see: its sender, a recipient, or the operator. Anything else looks
 * exactly like an id that does not exist, so nothing about other people's messages leaks.
 */
export function visibleMessage(store: Store, who: Identity, idText: string): MessageRow {
  const id = parseId(idText);
  const m = store.messages.get(id);
  if (!m) throw noSuchMessage(idText);
  if (who.kind === "operator" || m.sender === who.name || store.messages.delivery(who.name, id)) return m;
  throw noSuchMessage(idText);
}

function checkMeta(meta: Record<string, string> | undefined): Record<string, string> | null {
  const entries = Object.entries(meta ?? {});
  if (entries.length === 0) return null;
  for (const [k, v] of entries) {
    if (!META_KEY_RE.test(k)) throw new MaestroError("usage", `send: invalid --meta key "${k}": use A-Z a-z 0-9 _ . -`);
    refuseControls(`--meta ${k}`, v, "give a value on one line, without control characters");
  }
  if (Buffer.byteLength(JSON.stringify(meta)) > MAX_META_BYTES) throw new MaestroError("too_large", `send: --meta is over ${MAX_META_BYTES} bytes`);
  return Object.fromEntries(entries);
}

function checkAttachments(config: Config, files: { name: string; data: string }[] | undefined): { name: string; bytes: Uint8Array }[] {
  return (files ?? []).map(({ name, data }) => {
    if (!/^[^/\\\0]{1,255}$/.test(name) || name === "." || name === "..") {
      throw new MaestroError("usage", `send: invalid attachment name ${JSON.stringify(name)}`);
    }
    refuseControls("attachment name", name, "rename the file");
    checkAttachmentNameBytes(name);
    const bytes = Buffer.from(data, "base64");
    if (bytes.byteLength > config.limits.attachment_bytes) {
      throw new MaestroError(
        "too_large",
        `send: attachment ${name} is ${bytes.byteLength} bytes, over the limit of ${config.limits.attachment_bytes} (limits.attachment_bytes)`,
      );
    }
    return { name, bytes: new Uint8Array(bytes) };
  });
}

/**
 * Attachment names and meta values are printed on one line each (`read`'s headers): a line break
 * there would print a forged header, an escape sequence would drive the reader's terminal.
 */
function refuseControls(what: string, value: string, fix: string): void {
  if (CONTROL_RE.test(value)) {
    throw new MaestroError("usage", `send: ${what} "${visible(value)}" contains a line break or other control character; ${fix}`);
  }
}

/** Most file systems take at most 255 bytes per name: a longer one could never be saved. */
export const MAX_ATTACHMENT_NAME_BYTES = 255;

/** An attachment name's length in bytes (UTF-8), not UTF-16 units: what a file system counts. */
function checkAttachmentNameBytes(name: string): void {
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes <= MAX_ATTACHMENT_NAME_BYTES) return;
  throw new MaestroError(
    "usage",
    `send: attachment name ${JSON.stringify(`${[...name].slice(0, 24).join("")}…`)} is ${bytes} bytes in UTF-8, over the limit of ${MAX_ATTACHMENT_NAME_BYTES}; rename the file`,
  );
}
