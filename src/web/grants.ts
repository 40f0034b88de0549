/**
 * What lets a browser in: one-time login codes, login cookies and share links. Each secret is 256
 * random bits shown once (in a URL or a Set-Cookie) and kept only as its SHA-256; everything lives
 * in the gateway's memory, so stopping the gateway or the daemon ends every login, as `--revoke`
 * does.
 */
import { createHash, randomBytes } from "node:crypto";

/** A login code is good for this long, once. */
export const LOGIN_CODE_MS = 5 * 60_000;
export const DEFAULT_SHARE_MS = 60 * 60_000;
/** Codes, logins and shares held at most (a runaway `maestro web` loop must not grow them forever). */
const MAX_HELD = 10_000;

export interface ShareGrant {
  /** A short public name for audit records and logs (never the secret). */
  id: string;
  session: string;
  readOnly: boolean;
  expiresAt: number;
}

export type Grant = { kind: "operator" } | { kind: "share"; share: ShareGrant };

export const secret = (prefix: string) => prefix + randomBytes(32).toString("base64url");
const hash = (s: string) => createHash("sha256").update(s).digest("base64url");

export type CodeCheck = { ok: true } | { ok: false; why: "unknown" | "expired" | "used" };

export class Grants {
  /** Login codes by hash: when each expires, and whether it was used (to say so). */
  private readonly codes = new Map<string, { expiresAt: number; used: boolean }>();
  private readonly cookies = new Map<string, Grant>();
  private readonly shares = new Map<string, ShareGrant>();

  /** A fresh login code. */
  issueCode(ttlMs = LOGIN_CODE_MS, now = Date.now()): { code: string; expiresAt: number } {
    this.sweep(now);
    const code = secret("mwc_");
    const expiresAt = now + Math.min(ttlMs, LOGIN_CODE_MS);
    this.codes.set(hash(code), { expiresAt, used: false });
    return { code, expiresAt };
  }

  /** Uses up `code`: single use, within its five minutes. */
  redeemCode(code: string, now = Date.now()): CodeCheck {
    const c = this.codes.get(hash(code));
    if (!c) return { ok: false, why: "unknown" };
    if (c.used) return { ok: false, why: "used" };
    if (now >= c.expiresAt) {
      this.codes.delete(hash(code));
      return { ok: false, why: "expired" };
    }
    c.used = true;
    return { ok: true };
  }

  /** A cookie value for `grant`. */
  issueCookie(grant: Grant): string {
    this.sweep(Date.now());
    const value = secret("mwl_");
    this.cookies.set(hash(value), grant);
    return value;
  }

  /** The grant behind a cookie, if it (and, for a share, the link) still stands. */
  cookie(value: string, now = Date.now()): Grant | undefined {
    const g = this.cookies.get(hash(value));
    if (g?.kind === "share" && !this.shareLive(g.share, now)) return undefined;
    return g;
  }

  issueShare(session: string, readOnly: boolean, ttlMs: number, now = Date.now()): { token: string; share: ShareGrant } {
    this.sweep(now);
    const token = secret("mws_");
    const share: ShareGrant = { id: hash(token).slice(0, 8), session, readOnly, expiresAt: now + ttlMs };
    this.shares.set(hash(token), share);
    return { token, share };
  }

  share(token: string, now = Date.now()): ShareGrant | undefined {
    const s = this.shares.get(hash(token));
    return s && this.shareLive(s, now) ? s : undefined;
  }

  /** Whether a share still stands: not expired, not revoked. */
  shareLive(s: ShareGrant, now = Date.now()): boolean {
    return now < s.expiresAt && [...this.shares.values()].includes(s);
  }

  /** Ends every login, share link and pending code; returns how many logins and shares ended. */
  revoke(): { logins: number; shares: number } {
    const logins = [...this.cookies.values()].filter((g) => g.kind === "operator").length;
    const shares = this.shares.size;
    this.cookies.clear();
    this.shares.clear();
    this.codes.clear();
    return { logins, shares };
  }

  private sweep(now: number): void {
    for (const [k, c] of this.codes) if (now >= c.expiresAt) this.codes.delete(k);
    for (const [k, s] of this.shares) if (now >= s.expiresAt) this.shares.delete(k);
    for (const [k, g] of this.cookies) if (g.kind === "share" && !this.shareLive(g.share, now)) this.cookies.delete(k);
    const over = (m: Map<string, unknown>) => {
      while (m.size >= MAX_HELD) m.delete(m.keys().next().value!);
    };
    over(this.codes);
    over(this.cookies);
    over(this.shares);
  }
}
