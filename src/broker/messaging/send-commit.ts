/**
 * The commit hand-off of a send (and a reply): checks, policy and rate limit, blobs, then the
 * insert through the group commit, with ids taken inside the commit. Resolves once durable.
 */
import { MaestroError } from "../../protocol/errors.ts";
import { formatId } from "../../protocol/message.ts";
import type { Identity } from "../../protocol/messages.ts";
import type { Audit, SendAudit } from "../audit.ts";
import type { BlobStore } from "../blobs.ts";
import type { Config } from "../config.ts";
import { Policy } from "../policy.ts";
import { RateLimiter } from "../ratelimit.ts";
import type { Store } from "../store/index.ts";
import type { MessageRow } from "../store/messages.ts";
import type { CheckedArgs } from "../../protocol/requests.ts";
import { compose } from "./compose.ts";
import { splitAddress } from "../../protocol/address.ts";
import { utf8Length } from "../../protocol/utf8-length.ts";
import type { FederationPort } from "../federation-port.ts";
import type { Writer } from "./writer.ts";

/**
 * A send's op may run twice (writer.ts): it sets only values it sets again — the id counter
 * moves on, so a replayed send takes a later id, never an earlier one — and SQL, rolled back.
 */
const REPLAYABLE = { replayable: true } as const;

export interface SendOutcome {
  id: string;
  recipients: string[];
  duplicate: boolean;
}

/** A committed send: the new row to push, or none when an idempotency key found an earlier one. */
export interface Committed {
  outcome: SendOutcome;
  row: MessageRow | undefined;
}

export class SendCommit {
  private readonly policy: Policy;
  private readonly limiter: RateLimiter;
  private last: number;
  /** Set once federation has started: `name@host` recipients are checked against its directory. */
  remote: FederationPort | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly blobs: BlobStore,
    private readonly writer: Writer,
    private readonly audit: Audit,
  ) {
    this.last = store.messages.maxId();
    this.policy = new Policy(config.policy);
    this.limiter = new RateLimiter(config.limits.sends_per_second, config.limits.send_burst);
  }

  /** The newest message id committed. */
  get lastId(): number {
    return this.last;
  }

  /** `ok`: the audit record of a successful send, written in the message's commit (with its id). */
  async commit(sender: Identity, args: CheckedArgs<"send">, ok?: SendAudit): Promise<Committed> {
    const now = Date.now();
    const draft = compose(this.store, this.config, sender, args, now, this.remote);
    const hosts = remoteHosts(draft.recipients);
    if (hosts.length > 0 && this.remote) checkRemoteSize(draft.row, this.remote.maxMessageBytes());
    for (const r of draft.recipients) this.policy.check(sender.name, r);
    if (sender.kind !== "operator" || this.config.limits.rate_limit_operator) this.limiter.take(sender.name);
    // Blobs first: a crash in between leaves an unreferenced blob (purge sweeps it), never a
    // message whose attachment is missing.
    for (const f of draft.files) await this.blobs.put(f.bytes);
    const window = now - this.config.messages.idempotency_window_ms;
    // The "ok" audit record rides in the same commit: one commit per send, not one for the
    // message and another for its record (which, at one connection, doubled the commits).
    let entry: { at: number; actor: string; action: string; target: string; outcome: "ok"; detail: string } | undefined;
    const audited = (id: number) => {
      if (!ok) return;
      entry = { at: now, actor: ok.actor, action: ok.action, target: ok.target, outcome: "ok", detail: formatId(id) };
      this.store.audit.insert(entry);
    };
    const committed = await this.writer.write(() => {
      const key = draft.row.idempotency_key;
      const earlier = key === null ? undefined : this.store.messages.findIdempotent(draft.row.sender, key, window);
      if (earlier !== undefined) {
        // A row from before content hashes were kept cannot be compared: it answers as before.
        if (earlier.content_hash !== null && earlier.content_hash !== draft.contentHash) {
          throw new MaestroError("forbidden", `--idempotency-key "${key}": key already used for another message (${formatId(earlier.id)}); use a new key for a new message`);
        }
        audited(earlier.id);
        return { row: undefined, id: earlier.id };
      }
      // Ids are taken inside the commit, so they follow commit order: FIFO per sender→recipient.
      const id = (this.last = Math.max(Date.now() * 1024, this.last + 1));
      const row: MessageRow = { ...draft.row, id, thread_id: draft.row.thread_id ?? id };
      this.store.messages.insert(row, draft.recipients, draft.contentHash);
      // In the same commit: a message to another host is never durable here without its outbox row.
      for (const h of hosts) this.store.federation.enqueue("message", id, h, now);
      audited(id);
      return { row, id };
    }, REPLAYABLE);
    if (!committed.row) {
      if (entry) this.audit.published(entry);
      const first = this.store.messages.get(committed.id)!;
      return { outcome: { id: formatId(first.id), recipients: JSON.parse(first.recipients) as string[], duplicate: true }, row: undefined };
    }
    if (hosts.length > 0) this.remote?.kick();
    if (this.audit.listening) {
      this.audit.publish({ kind: "message", at: new Date(now).toISOString(), event: "sent", id: formatId(committed.id), from: sender.name, to: draft.recipients });
    }
    if (entry) this.audit.published(entry);
    return { outcome: { id: formatId(committed.id), recipients: draft.recipients, duplicate: false }, row: committed.row };
  }

  /**
   * A message another host sent: committed with its own id here and the origin's id in
   * fed_inbound, in one transaction. Undefined when that origin id was committed before (a
   * redelivery or a duplicate publish): nothing is stored twice.
   */
  async commitInbound(draft: InboundDraft, recipients: string[], origin: { host: string; id: number }, refs?: () => Pick<InboundDraft, "thread_id" | "in_reply_to">): Promise<MessageRow | undefined> {
    return this.writer.write(() => {
      if (this.store.federation.inbound(origin.host, origin.id) !== undefined) return undefined;
      const id = (this.last = Math.max(Date.now() * 1024, this.last + 1));
      // Resolved inside the commit: a reply that came in the same batch as its parent finds it.
      const d = refs ? { ...draft, ...refs() } : draft;
      const row: MessageRow = { ...d, id, thread_id: d.thread_id ?? id };
      this.store.messages.insert(row, recipients, null);
      this.store.federation.addInbound(origin.host, origin.id, id);
      return row;
    });
  }
}

export type InboundDraft = Omit<MessageRow, "id" | "thread_id"> & { thread_id: number | null };

/** The other hosts among a message's recipients (name@host), each once. */
/** A message for another host must fit one NATS publish (attachments travel apart, chunked). */
function checkRemoteSize(draft: { subject: string; body: string; metadata: string | null }, max: number): void {
  const bytes = utf8Length(JSON.stringify(draft.subject)) + utf8Length(JSON.stringify(draft.body)) + (draft.metadata === null ? 0 : utf8Length(draft.metadata));
  if (bytes > max) {
    throw new MaestroError("too_large", `send: to a recipient on another host a message may take ${max} bytes as JSON (the NATS server's max_payload), this one takes ${bytes}; send the rest as a file with --attach`);
  }
}

export function remoteHosts(recipients: string[]): string[] {
  const hosts = new Set<string>();
  for (const r of recipients) {
    const a = splitAddress(r);
    if (a) hosts.add(a.host);
  }
  return [...hosts];
}
