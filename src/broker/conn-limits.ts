/**
 * Who may hold how many connections, so one runaway client cannot lock everyone else out: a cap
 * per process (the SO_PEERCRED pid, checked at accept, before any byte is read), a cap per
 * identity (checked at hello, once the identity is known; the operator is exempt like the rate
 * limit, and bounded by the per-process cap), and `daemon.max_connections` for everyone, with
 * `limits.operator_reserved_connections` more that only the operator outside every session (no
 * token, not pinned to a session) may take. Refused connections hold no slot.
 */
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { Config } from "./config.ts";

/** What one admitted connection holds, handed back to `release` when it closes. */
export interface Slot {
  pid: number | undefined;
  identity?: string;
}

export class ConnectionLimits {
  private admitted = 0;
  private readonly byPid = new Map<number, number>();
  private readonly byIdentity = new Map<string, number>();

  constructor(private readonly config: Pick<Config, "daemon" | "limits">) {}

  /** At accept: a slot, or the refusal naming the limit that is reached. */
  accept(pid: number | undefined): Slot | MaestroError {
    const { max_connections: max } = this.config.daemon;
    const { operator_reserved_connections: reserve, max_connections_per_process: perProcess } = this.config.limits;
    if (this.admitted >= max + reserve) {
      return full(`${max} connections (daemon.max_connections) and the ${reserve} kept for the operator (limits.operator_reserved_connections) are all in use`, "daemon.max_connections");
    }
    if (pid !== undefined && perProcess > 0 && (this.byPid.get(pid) ?? 0) >= perProcess) {
      return capped(
        `process ${pid} already holds ${perProcess} connections (limits.max_connections_per_process); close some, or raise the limit in config.toml`,
        "limits.max_connections_per_process",
      );
    }
    this.admitted++;
    if (pid !== undefined) bump(this.byPid, pid, 1);
    return { pid };
  }

  /**
   * At hello: past `max_connections` only the reserve-eligible operator may stay, and an identity
   * may hold at most its cap. Returns the refusal, or undefined with the slot now counting `who`.
   */
  hello(slot: Slot, who: Identity, tokenless: boolean): MaestroError | undefined {
    const { max_connections: max } = this.config.daemon;
    const { max_connections_per_identity: perIdentity } = this.config.limits;
    const reserveEligible = tokenless && who.kind === "operator";
    if (!reserveEligible && this.admitted > max) {
      return full(
        `${max} connections are in use (daemon.max_connections); the rest are kept for the operator outside sessions (limits.operator_reserved_connections)`,
        "daemon.max_connections",
      );
    }
    if (who.kind !== "operator" && perIdentity > 0 && (this.byIdentity.get(who.name) ?? 0) >= perIdentity) {
      return capped(
        `${who.name} already holds ${perIdentity} connections (limits.max_connections_per_identity); close some (an \`inbox --follow\` or \`attach\` left running?), or raise the limit in config.toml`,
        "limits.max_connections_per_identity",
      );
    }
    if (who.kind !== "operator") {
      slot.identity = who.name;
      bump(this.byIdentity, who.name, 1);
    }
    return undefined;
  }

  release(slot: Slot): void {
    this.admitted--;
    if (slot.pid !== undefined) bump(this.byPid, slot.pid, -1);
    if (slot.identity !== undefined) bump(this.byIdentity, slot.identity, -1);
  }
}

function bump(map: Map<string, number> | Map<number, number>, key: string | number, by: number): void {
  const m = map as Map<string | number, number>;
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

/** The daemon is up but has no slot: exit 5, with its pid so `daemon status` can say it runs. */
function full(why: string, limit: string): MaestroError {
  return new MaestroError("unavailable", `the daemon (pid ${process.pid}) is running but full: ${why}; close some connections, or raise the limit in config.toml`, {
    limit,
    daemon_pid: process.pid,
  });
}

/** This peer is over its own cap: a refusal, exit 6. */
function capped(why: string, limit: string): MaestroError {
  return new MaestroError("rate_limited", `the daemon (pid ${process.pid}) refused this connection: ${why}`, { limit, daemon_pid: process.pid });
}
