/**
 * The durable store: one SQLite file in WAL mode. All SQL in maestro lives in this folder's store
 * modules; nothing else touches the database handle.
 */
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import type { CheckpointerInit } from "../../workers/checkpointer.ts";
import { workerPath } from "../../workers/path.ts";
import { MaestroError } from "../../protocol/errors.ts";
import { AuditStore } from "./audit.ts";
import { FederationStore } from "./federation.ts";
import { IdentityStore } from "./identities.ts";
import { MessageStore } from "./messages.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";

/** WAL frames (a 4 KiB page each) past which the checkpointer forces a rewind under sustained writes: 256 MiB. */
const WAL_CAP_FRAMES = 65_536;

export class Store {
  readonly db: Database;
  readonly path: string;
  readonly identities: IdentityStore;
  readonly messages: MessageStore;
  readonly audit: AuditStore;
  readonly federation: FederationStore;
  private checkpointer: Worker | undefined;

  constructor(path: string, migrations: readonly Migration[] = MIGRATIONS) {
    this.path = path;
    this.db = new Database(path, { create: true, readwrite: true, strict: true });
    // WAL + NORMAL: a commit survives the daemon's death (kill -9); only an OS crash can lose the
    // last few, and no fsync sits on the path of every send.
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run("PRAGMA busy_timeout = 5000");
    this.db.run("PRAGMA foreign_keys = ON");
    // Checkpoints run in a worker thread (./checkpointer.ts), never inside a send's COMMIT.
    this.db.run("PRAGMA wal_autocheckpoint = 0");
    // Never cut the WAL file inside a COMMIT: cutting a large one is an ftruncate of hundreds of
    // milliseconds on the daemon's thread. The checkpointer bounds it (WAL_CAP_FRAMES) and gives the
    // space back once the writes have paused for a while (src/workers/checkpointer.ts).
    this.db.run("PRAGMA journal_size_limit = -1");
    this.migrate(migrations);
    this.identities = new IdentityStore(this.db);
    this.messages = new MessageStore(this.db);
    this.audit = new AuditStore(this.db);
    this.federation = new FederationStore(this.db);
  }

  /** Applies every migration this database lacks, each in its own transaction. */
  private migrate(migrations: readonly Migration[]): void {
    this.db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const applied = new Set(
      this.db.query<{ version: number }, []>("SELECT version FROM schema_migrations").all().map((r) => r.version),
    );
    const newest = migrations.at(-1)?.version ?? 0;
    const ahead = [...applied].filter((v) => v > newest);
    if (ahead.length > 0) {
      throw new MaestroError(
        "incompatible",
        `database ${this.path} has schema version ${Math.max(...ahead)}, newer than this maestro knows (${newest}); run a newer maestro`,
      );
    }
    const record = this.db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.run(m.sql);
        record.run(m.version, m.name, Date.now());
      })();
    }
  }

  /** Database plus WAL on disk, in bytes. */
  get bytes(): number {
    let total = 0;
    for (const suffix of ["", "-wal"]) {
      try {
        total += statSync(this.path + suffix).size;
      } catch {
        // no WAL yet
      }
    }
    return total;
  }

  /**
   * Starts the checkpointing worker. If it fails, SQLite's own checkpoints (in the COMMIT that
   * crosses ~4 MB of WAL) take over, so the WAL never grows without bound.
   */
  startCheckpointer(onError: (msg: string) => void, opts: Partial<Omit<CheckpointerInit, "path" | "maxWalFrames">> = {}): void {
    const fallback = (msg: string) => {
      onError(`${msg}; falling back to checkpoints on commit`);
      this.db.run("PRAGMA wal_autocheckpoint = 1000");
    };
    try {
      const worker = new Worker(workerPath("checkpointer"));
      worker.onmessage = (e: MessageEvent<string>) => {
        if (e.data.startsWith("checkpoint failed")) onError(e.data);
      };
      worker.onerror = (e) => fallback(`checkpoint worker died: ${e.message}`);
      const init: CheckpointerInit = { intervalMs: 50, maxWalFrames: WAL_CAP_FRAMES, ...opts, path: this.path };
      worker.postMessage(init);
      (worker as Worker & { unref(): void }).unref(); // Bun's Worker has unref; the DOM typing lacks it
      this.checkpointer = worker;
    } catch (err) {
      fallback(`checkpoint worker did not start: ${(err as Error).message}`);
    }
  }

  /** Stops the checkpoint worker, waiting (bounded) until its connection is closed. */
  private async stopCheckpointer(): Promise<void> {
    const worker = this.checkpointer;
    if (!worker) return;
    this.checkpointer = undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        worker.addEventListener("message", (e: MessageEvent<string>) => e.data === "stopped" && resolve());
        worker.postMessage("stop");
      }),
      Bun.sleep(2000),
    ]);
    worker.terminate();
  }

  async close(): Promise<void> {
    // The worker's connection must be gone first: the last connection to close, after a full
    // checkpoint, is what removes the WAL, leaving one self-contained file.
    await this.stopCheckpointer();
    try {
      this.db.query("PRAGMA wal_checkpoint(TRUNCATE)").all();
    } finally {
      // Statements come from db.query(), which close() finalizes; a prepare()d statement left
      // open would keep the connection alive as a zombie, and the WAL would stay behind.
      this.db.close();
    }
  }
}

