/**
 * `maestro doctor`'s federation check (docs/federation.md): from the daemon's own status and
 * directory — connected, outbox depth, last error, hosts known — and this host's key file: mode
 * 0600, and the key the directory pins for this host is that one.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DirectoryHost, FederationStatus } from "../protocol/requests.ts";

export interface FederationView {
  /** The daemon's `status.federation` (undefined: federation is off in the running daemon). */
  status: FederationStatus | undefined;
  hosts: DirectoryHost[] | undefined;
}

type Outcome = { status: "ok" | "warn" | "fail" | "skip"; detail: string; fix?: string };

/** Outboxes deeper than this while connected are a warning: publishing is falling behind. */
const DEEP_OUTBOX = 10_000;

export function federationOutcome(home: string, configured: boolean, daemon: FederationView | undefined): Outcome {
  if (!configured) return { status: "skip", detail: "not configured" };
  const key = keyFile(home);
  if (typeof key === "object" && "fail" in key) return { status: "fail", detail: key.fail, fix: `chmod 600 ${join(home, "federation-host.key")}` };
  if (!daemon) return { status: "warn", detail: "configured; the daemon is not running, so its federation state is unknown", fix: "start it: `maestro daemon start`" };
  const s = daemon.status;
  if (!s) return { status: "fail", detail: "configured in config.toml, but the running daemon has federation off (started before the change?)", fix: "restart the daemon: `maestro daemon stop && maestro daemon start`" };
  const own = daemon.hosts?.find((h) => h.host === s.host);
  const fp = typeof key === "string" ? key : undefined;
  const pinned = fp === undefined ? "no key file yet" : own?.key === fp ? `key ${fp} (0600, pinned in the directory)` : `key ${fp} (0600), but the directory has ${own?.key ?? "no entry"} for ${s.host}`;
  const facts = `host ${s.host}, ${s.connected ? "connected to" : "not connected to"} ${s.nats}, outbox ${s.outbox}, ${s.hosts} host${s.hosts === 1 ? "" : "s"} known, ${pinned}`;
  if (!s.connected) return { status: "warn", detail: `${facts}; last error: ${s.last_error ?? "none"}`, fix: `check that NATS answers at ${s.nats} (sends wait in the outbox meanwhile)` };
  if (fp !== undefined && own !== undefined && own.key !== fp) return { status: "fail", detail: facts, fix: "another daemon writes this host's entry: give each daemon its own [federation] host" };
  if (s.outbox > DEEP_OUTBOX) return { status: "warn", detail: `${facts}; last error: ${s.last_error ?? "none"}`, fix: "the outbox is draining slower than it fills; see `maestro metrics` and the daemon log" };
  return { status: "ok", detail: s.last_error ? `${facts}; last error: ${s.last_error}` : facts };
}

/** The fingerprint of this host's key (as the directory shows it), undefined if none yet. */
function keyFile(home: string): string | undefined | { fail: string } {
  const path = join(home, "federation-host.key");
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
  if (mode & 0o077) return { fail: `${path} is readable by others (mode ${mode.toString(8)}): the daemon refuses to start with it` };
  try {
    const x = (JSON.parse(readFileSync(path, "utf8")) as { x?: string }).x ?? "";
    return createHash("sha256").update(Buffer.from(x, "base64url")).digest("hex").slice(0, 16);
  } catch (err) {
    return { fail: `${path}: ${(err as Error).message}` };
  }
}
