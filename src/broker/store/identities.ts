/**
 * Identities and their tokens. A token is 256 random bits shown once; only its SHA-256 is
 * stored, and the final comparison is constant-time.
 */
import type { Database } from "bun:sqlite";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { MaestroError } from "../../protocol/errors.ts";
import type { Identity } from "../../protocol/messages.ts";

export type IdentityKind = Identity["kind"];

export interface IdentityRow {
  name: string;
  kind: IdentityKind;
  created_at: number;
  rotated_at: number | null;
  /** When its session was removed (session identities only); null while it is current. */
  retired_at: number | null;
}

const TOKEN_PREFIX = "mst_";

function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** Every identity statement, compiled once and typed with its row and parameters. */
export function prepareStatements(db: Database) {
  const cols = "name, kind, created_at, rotated_at, retired_at";
  return {
    byHash: db.query<{ name: string; kind: IdentityKind; token_hash: Uint8Array }, [hash: Uint8Array]>("SELECT name, kind, token_hash FROM identities WHERE token_hash = ?"),
    byName: db.query<IdentityRow, [name: string]>(`SELECT ${cols} FROM identities WHERE name = ?`),
    list: db.query<IdentityRow, []>(`SELECT ${cols} FROM identities ORDER BY name`),
    insert: db.query<never, [name: string, kind: IdentityKind, hash: Uint8Array, at: number]>("INSERT INTO identities (name, kind, token_hash, created_at) VALUES (?, ?, ?, ?)"),
    rotate: db.query<never, [hash: Uint8Array, at: number, name: string]>("UPDATE identities SET token_hash = ?, rotated_at = ?, retired_at = NULL WHERE name = ?"),
    retire: db.query<never, [at: number, name: string]>("UPDATE identities SET retired_at = ? WHERE name = ? AND kind = 'session'"),
    retireSessions: db.query<never, [at: number]>("UPDATE identities SET retired_at = ? WHERE kind = 'session' AND retired_at IS NULL"),
    remove: db.query<never, [name: string]>("DELETE FROM identities WHERE name = ? AND kind != 'operator'"),
  };
}

export class IdentityStore {
  /**
   * Every send looks its recipients up here; identities change only through this class, so a
   * cache in front of SQLite is exact (undefined = not yet loaded, null = known absent).
   */
  private readonly cache = new Map<string, IdentityRow | null>();
  private readonly s: ReturnType<typeof prepareStatements>;

  constructor(db: Database) {
    this.s = prepareStatements(db);
  }

  get(name: string): IdentityRow | undefined {
    let row = this.cache.get(name);
    if (row === undefined) {
      row = this.s.byName.get(name) ?? null;
      if (this.cache.size > 10_000) this.cache.clear(); // names probed by typos must not grow it forever
      this.cache.set(name, row);
    }
    return row ?? undefined;
  }

  list(): IdentityRow[] {
    return this.s.list.all();
  }

  /**
   * Creates `name` with a fresh token, or gives an existing identity of the same kind a new one
   * when `rotate` is set (the old token stops working at once). Returns the token, the only time
   * it is ever visible.
   */
  issue(name: string, kind: Exclude<IdentityKind, "operator">, rotate: boolean): string {
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const hash = hashToken(token);
    const existing = this.get(name);
    if (existing) {
      if (existing.kind !== kind) {
        throw new MaestroError("forbidden", `"${name}" is already the name of ${article(existing.kind)} ${existing.kind} identity`);
      }
      if (!rotate) {
        throw new MaestroError("forbidden", `identity "${name}" already exists; add --rotate to issue a new token (the old one stops working)`);
      }
      this.s.rotate.run(hash, Date.now(), name);
    } else {
      this.s.insert.run(name, kind, hash, Date.now());
    }
    this.cache.delete(name);
    return token;
  }

  /** The identity a token was issued to, or undefined. */
  authenticate(token: string): Identity | undefined {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const hash = hashToken(token);
    const row = this.s.byHash.get(hash);
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), hash)) return undefined;
    return { name: row.name, kind: row.kind };
  }

  /** Its session is gone: out of `*` until a new session of that name issues a fresh token. */
  retire(name: string): void {
    this.s.retire.run(Date.now(), name);
    this.cache.delete(name);
  }

  /** At start-up: every session identity's session died with the previous daemon. */
  retireSessions(): void {
    this.s.retireSessions.run(Date.now());
    this.cache.clear();
  }

  remove(name: string): void {
    this.s.remove.run(name);
    this.cache.delete(name);
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
