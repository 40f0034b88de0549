/**
 * The gateway's doors: which Host and Origin it answers to (its own, against DNS rebinding and
 * cross-site WebSocket hijacking), the headers every response carries, and the per-address
 * connection cap.
 */
import { hostname, networkInterfaces } from "node:os";
import type { ListenAddress } from "../protocol/listen.ts";

/**
 * Strict: no inline script, nothing from elsewhere, never framed. Style attributes only are
 * allowed inline (they cannot run code): xterm.js's DOM renderer colours 24-bit text with them.
 */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

export class Doors {
  /** `host:port` values the Host header may carry. */
  private readonly hosts = new Set<string>();
  /** `scheme://host:port` values the Origin header may carry. */
  private readonly origins = new Set<string>();
  /** The origin the login URL names. */
  readonly origin: string;

  constructor(addr: ListenAddress, port: number, readonly tls: boolean, extra: readonly string[]) {
    const scheme = tls ? "https" : "http";
    const names: string[] = [];
    if (addr.wildcard) {
      names.push(hostname(), "localhost", "127.0.0.1", "[::1]");
      for (const list of Object.values(networkInterfaces())) {
        for (const i of list ?? []) names.push(i.family === "IPv6" ? `[${i.address}]` : i.address);
      }
    } else {
      names.push(addr.host.includes(":") ? `[${addr.host}]` : addr.host);
      // A loopback listener is the same machine however the browser spells it.
      if (addr.loopback) names.push("localhost", "127.0.0.1", "[::1]");
    }
    const add = (hostPort: string) => {
      this.hosts.add(hostPort.toLowerCase());
      this.origins.add(`${scheme}://${hostPort}`.toLowerCase());
    };
    for (const n of names) add(`${n}:${port}`);
    for (const e of extra) add(e.includes(":") && !e.startsWith("[") ? e : `${e}:${port}`);
    // The default port may be left out of Host and Origin.
    if ((tls && port === 443) || (!tls && port === 80)) for (const n of names) add(n);
    const first = extra[0] ?? names[0]!;
    this.origin = `${scheme}://${extra[0] && extra[0].includes(":") ? first : `${first}:${port}`}`;
  }

  hostAllowed(host: string | null): boolean {
    return host !== null && this.hosts.has(host.toLowerCase());
  }

  originAllowed(origin: string): boolean {
    return this.origins.has(origin.toLowerCase());
  }
}

/** Open connections and requests in flight, per remote address. */
export class PerAddress {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  take(ip: string): boolean {
    const n = this.open.get(ip) ?? 0;
    if (n >= this.max) return false;
    this.open.set(ip, n + 1);
    return true;
  }

  release(ip: string): void {
    const n = (this.open.get(ip) ?? 1) - 1;
    if (n <= 0) this.open.delete(ip);
    else this.open.set(ip, n);
  }
}

const lastAudited = new Map<string, number>();

/** At most one audit record a second per key: a script hammering a closed door cannot fill the audit table. */
export function firstThisSecond(key: string): boolean {
  const now = Date.now();
  if (now - (lastAudited.get(key) ?? 0) < 1000) return false;
  if (lastAudited.size > 10_000) lastAudited.clear();
  lastAudited.set(key, now);
  return true;
}
