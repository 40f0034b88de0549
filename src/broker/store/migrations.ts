/**
 * Forward-only, numbered schema migrations. Append; never edit or reorder one that has shipped:
 * a database records which numbers it has applied and only the missing ones run.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "meta",
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "identities",
    // kind: operator (the socket's owner), agent (`maestro register`), session (a PTY session).
    // Only a SHA-256 of each token is kept: a leaked database does not leak credentials.
    sql: `
      CREATE TABLE identities (
        name       TEXT PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('operator', 'agent', 'session')),
        token_hash BLOB UNIQUE,
        created_at INTEGER NOT NULL,
        rotated_at INTEGER
      ) STRICT;
      INSERT INTO identities (name, kind, created_at) VALUES ('operator', 'operator', unixepoch('subsec') * 1000);
    `,
  },
];
