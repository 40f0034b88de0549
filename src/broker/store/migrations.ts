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
  {
    version: 3,
    name: "messages",
    // Message ids are time-sortable integers (ms << 10 | counter). Per-recipient state lives in
    // deliveries; the partial index serves the unread inbox in priority-then-FIFO order directly.
    // Every index here is paid by every send, so there are only the ones queries need: a
    // message's deliveries are found through its recipients list and the primary key, and purge
    // deletes deliveries itself (no foreign-key cascade, which would scan per deleted message).
    sql: `
      CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        sender          TEXT NOT NULL,
        recipients      TEXT NOT NULL,
        subject         TEXT NOT NULL DEFAULT '',
        body            TEXT NOT NULL DEFAULT '',
        type            TEXT NOT NULL,
        priority        INTEGER NOT NULL,
        thread_id       INTEGER NOT NULL,
        in_reply_to     INTEGER,
        metadata        TEXT,
        attachments     TEXT,
        idempotency_key TEXT,
        ack             INTEGER NOT NULL DEFAULT 0,
        created_at      INTEGER NOT NULL,
        expires_at      INTEGER
      ) STRICT;
      CREATE INDEX messages_thread ON messages (thread_id, id);
      CREATE INDEX messages_idem ON messages (sender, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;
      CREATE INDEX messages_reply ON messages (in_reply_to) WHERE in_reply_to IS NOT NULL;

      CREATE TABLE deliveries (
        recipient    TEXT NOT NULL,
        message_id   INTEGER NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'read', 'acked', 'expired', 'dead')),
        priority     INTEGER NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        delivered_at INTEGER,
        read_at      INTEGER,
        acked_at     INTEGER,
        redeliver_at INTEGER,
        dead_reason  TEXT,
        PRIMARY KEY (recipient, message_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX deliveries_unread ON deliveries (recipient, priority, message_id) WHERE status IN ('queued', 'delivered');
      CREATE INDEX deliveries_redeliver ON deliveries (redeliver_at) WHERE redeliver_at IS NOT NULL;
      CREATE INDEX deliveries_dead ON deliveries (recipient, message_id) WHERE status = 'dead';
      CREATE INDEX deliveries_seen ON deliveries (recipient, message_id) WHERE status IN ('read', 'acked');

      CREATE TABLE group_members (
        name   TEXT NOT NULL,
        member TEXT NOT NULL,
        PRIMARY KEY (name, member)
      ) STRICT, WITHOUT ROWID;

      -- Filled in batches by the indexer, off the send path (FTS5 halves insert throughput);
      -- meta 'fts_indexed_to' is the highest message id indexed.
      CREATE VIRTUAL TABLE messages_fts USING fts5 (subject, body, content = 'messages', content_rowid = 'id');
      INSERT INTO meta (key, value) VALUES ('fts_indexed_to', '0');
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_indexed_to') BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, old.body);
      END;
    `,
  },
  {
    version: 4,
    name: "audit",
    // Who did what to whom, when, and how it ended: sends, reads, identity changes, refusals.
    sql: `
      CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
        detail  TEXT NOT NULL DEFAULT ''
      ) STRICT;
      CREATE INDEX audit_at ON audit (at);
    `,
  },
  {
    version: 5,
    name: "idempotency content",
    // What a message with an idempotency key said (a SHA-256, hex), so reusing the key for a
    // different message is refused instead of answered with the first id. Older rows have none.
    sql: `ALTER TABLE messages ADD COLUMN content_hash TEXT;`,
  },
  {
    version: 6,
    name: "retired identities",
    // Set when the session of a session identity is removed: the identity keeps its history and
    // its token until the name is reused, but no longer counts as one of everyone (\`*\`).
    sql: `ALTER TABLE identities ADD COLUMN retired_at INTEGER;`,
  },
  {
    version: 7,
    name: "federation",
    // fed_outbox: what waits to be published to NATS (a message for a host, or a receipt owed to
    // one), written in the same commit as what it stands for, deleted once JetStream has it.
    // fed_inbound: messages that came from another host (its id ↔ ours): duplicates are refused
    // by this key, receipts go back through it. fed_hosts: each host's directory entry, and the
    // public key first seen for it (pinned: a later, different key is refused).
    // The trigger queues a receipt whenever a delivery of an inbound message changes, inside the
    // same commit: no crash between the two can lose a receipt. REPLACE gives a pending receipt a
    // new seq, so a change during a publish is sent again rather than deleted with the old row.
    sql: `
      CREATE TABLE fed_outbox (
        seq        INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('message', 'receipt')),
        message_id INTEGER NOT NULL,
        host       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (kind, message_id, host)
      ) STRICT;
      CREATE TABLE fed_inbound (
        origin_host TEXT NOT NULL,
        origin_id   INTEGER NOT NULL,
        local_id    INTEGER NOT NULL UNIQUE,
        PRIMARY KEY (origin_host, origin_id)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE fed_hosts (
        host       TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        entry      TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TRIGGER fed_receipt AFTER UPDATE OF status ON deliveries
        WHEN new.status <> old.status AND EXISTS (SELECT 1 FROM fed_inbound WHERE local_id = new.message_id)
      BEGIN
        INSERT OR REPLACE INTO fed_outbox (kind, message_id, host, created_at)
          SELECT 'receipt', new.message_id, origin_host, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM fed_inbound WHERE local_id = new.message_id;
      END;
    `,
  },
  {
    version: 8,
    name: "cheaper sends: fewer B-trees per commit",
    // Each B-tree a send touches is one more page in its commit's WAL (a message + delivery +
    // audit record wrote six). Two go:
    // - Every new message is its own thread's root (thread_id = id). A root is found by its
    //   primary key; only replies (thread_id <> id) need the thread index (messages.ts reads both).
    // - audit_at: audit ids become time-ordered like message ids (ms × 1024 + counter), so the
    //   time ranges of `audit --since` and pruning are ranges of the primary key. Old rows get
    //   at × 1024 + their rank within the same millisecond.
    sql: `
      DROP INDEX messages_thread;
      CREATE INDEX messages_thread_replies ON messages (thread_id, id) WHERE thread_id <> id;
      CREATE TABLE audit_v8 (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
        detail  TEXT NOT NULL DEFAULT ''
      ) STRICT;
      INSERT INTO audit_v8 (id, at, actor, action, target, outcome, detail)
        SELECT at * 1024 + (row_number() OVER (PARTITION BY at ORDER BY id) - 1), at, actor, action, target, outcome, detail FROM audit;
      DROP TABLE audit;
      ALTER TABLE audit_v8 RENAME TO audit;
    `,
  },
];
