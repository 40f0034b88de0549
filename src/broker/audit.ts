/**
 * Recording what happened (SPEC §8): every record goes to the audit table (through the group
 * commit, never on its own fsync) and, live, to `events --follow` subscribers.
 */
import type { AuditOutcome, DaemonEvent } from "../protocol/requests.ts";
import type { Writer } from "./messaging/writer.ts";
import type { Store } from "./store/index.ts";

export type EventListener = (e: DaemonEvent) => void;

export class Audit {
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
  ) {}

  record(actor: string, action: string, target: string, outcome: AuditOutcome, detail = ""): void {
    const entry = { at: Date.now(), actor, action, target, outcome, detail };
    void this.writer.write(() => this.store.audit.insert(entry)).catch(() => {
      // An audit row that cannot be written (disk full) must not fail what it records.
    });
    this.publish({ kind: "audit", ...entry });
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

const REFUSED: ReadonlySet<string> = new Set(["unauthorized", "forbidden", "too_large", "rate_limited"]);

/**
 * Runs `fn` and records how it ended: ok (with `detail` of the result), denied (refused: auth,
 * policy, limits) or error (anything else), then returns or rethrows.
 */
export async function audited<T>(audit: Audit, actor: string, action: string, target: string, fn: () => Promise<T>, detail: (r: T) => string): Promise<T> {
  try {
    const r = await fn();
    audit.record(actor, action, target, "ok", detail(r));
    return r;
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    audit.record(actor, action, target, REFUSED.has(code) ? "denied" : "error", (err as Error).message);
    throw err;
  }
}
