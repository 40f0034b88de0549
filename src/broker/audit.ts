/**
 * Recording what happened (SPEC §8): every record goes to the audit table (through the group
 * commit, never on its own fsync) and, live, to `events --follow` subscribers.
 */
import type { AuditOutcome, DaemonEvent } from "../protocol/requests.ts";
import type { Metrics } from "./metrics.ts";
import type { Writer } from "./messaging/writer.ts";
import type { Store } from "./store/index.ts";

export type EventListener = (e: DaemonEvent) => void;

/** Audit records deleted per commit while pruning. */
const PRUNE_SLICE = 5000;

export class Audit {
  private readonly listeners = new Set<EventListener>();

  private pruneTimer: Timer | undefined;

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
  ) {}

  /**
   * Keeps the audit table bounded: records older than `keepDays` go, now and every hour, in
   * slices of one group commit each. 0 keeps everything.
   */
  retain(keepDays: number): void {
    if (keepDays === 0) return;
    const prune = async () => {
      const before = Date.now() - keepDays * 86_400_000;
      while ((await this.writer.write(() => this.store.audit.prune(before, PRUNE_SLICE))) === PRUNE_SLICE);
    };
    void prune().catch(() => {});
    this.pruneTimer = setInterval(() => void prune().catch(() => {}), 3600_000);
    this.pruneTimer.unref();
  }

  close(): void {
    clearInterval(this.pruneTimer);
  }

  record(actor: string, action: string, target: string, outcome: AuditOutcome, detail = ""): void {
    const entry = { at: Date.now(), actor, action, target, outcome, detail };
    void this.writer.write(() => this.store.audit.insert(entry), { replayable: true }).catch(() => {
      // An audit row that cannot be written (disk full) must not fail what it records.
    });
    this.published(entry);
  }

  /**
   * A record written by the caller inside its own writer op (a send's "ok" goes into the send's
   * commit: one commit per send instead of two); this only tells live listeners, after the commit.
   */
  published(entry: { at: number; actor: string; action: string; target: string; outcome: AuditOutcome; detail: string }): void {
    if (this.listeners.size > 0) this.publish({ kind: "audit", ...entry, at: new Date(entry.at).toISOString() });
  }

  publish(e: DaemonEvent): void {
    for (const l of this.listeners) l(e);
  }

  listen(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get listening(): boolean {
    return this.listeners.size > 0;
  }
}

/**
 * The audit action of a request type, so a refusal is recorded under the same name as the
 * success would have been (`daemon.stop`, not `shutdown`).
 */
const ACTIONS: Readonly<Record<string, string>> = {
  shutdown: "daemon.stop",
  new: "session.new",
  kill: "session.kill",
  rm: "session.rm",
  attach: "session.attach",
};

export function actionOf(type: string, args: Record<string, unknown>): string {
  if (type === "register" && args.rotate === true) return "rotate";
  return ACTIONS[type] ?? type;
}

const REFUSED: ReadonlySet<string> = new Set(["unauthorized", "forbidden", "too_large", "rate_limited"]);

/** Auth, permission, policy, size and rate refusals: what the audit log records as "denied". */
export function isRefusal(code: string | undefined): boolean {
  return REFUSED.has(code ?? "");
}

const INVALID: ReadonlySet<string> = new Set(["usage", "not_found"]);

/** The caller's mistake (a typo, an unknown recipient, an empty body), not the daemon's failure. */
export function isInvalid(code: string | undefined): boolean {
  return INVALID.has(code ?? "");
}

/** What a request acted on, for its audit record: a session or identity name, recipients, or ids. */
export function targetOf(args: Record<string, unknown>): string {
  for (const key of ["name", "to", "id", "ids"]) {
    const v = args[key];
    if (typeof v === "string") return v;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.join(",");
  }
  return "";
}

/** The "ok" audit record a send owes: written by the send's own commit (send-commit.ts). */
export interface SendAudit {
  actor: string;
  action: string;
  target: string;
}

/**
 * Runs a send (or reply) and records how it ended — ok (with the message id, written in the
 * message's own commit by `fn`, which is handed the record to write), denied (refused: auth,
 * policy, limits), invalid (usage, not found) or failed — in the audit log and the metrics, then
 * returns or rethrows.
 */
export async function auditedSend<T extends { id: string }>(broker: { audit: Audit; metrics: Metrics }, actor: string, action: string, target: string, fn: (ok: SendAudit) => Promise<T>): Promise<T> {
  const { audit, metrics } = broker;
  const t0 = performance.now();
  try {
    const r = await fn({ actor, action, target });
    metrics.counters.sends_ok++;
    metrics.sendLatency.observe((performance.now() - t0) / 1000);
    return r;
  } catch (err) {
    const e = err as { code?: string; details?: { rule?: number }; message?: string };
    const refused = isRefusal(e.code);
    if (refused) metrics.counters.sends_refused++;
    else if (isInvalid(e.code)) metrics.counters.sends_invalid++;
    else metrics.counters.sends_failed++;
    if (e.code === "rate_limited") metrics.counters.rate_limited++;
    if (e.code === "forbidden" && e.details?.rule !== undefined) metrics.counters.policy_denials++;
    // Refusals of every request, sends included, are audited where all requests end (connection.ts).
    if (!refused) audit.record(actor, action, target, "error", e.message ?? String(err));
    throw err;
  }
}
