/**
 * Reading a store from outside the daemon (doctor, restore). A read-only SQLite connection to a
 * WAL database creates `-wal` and `-shm` beside it and, unlike the last read-write connection,
 * leaves them behind; `tidy` says whether it is safe to remove the ones this call created (no
 * daemon holds the home's lock, so none has them open).
 */
import { Database } from "bun:sqlite";
import { existsSync, rmSync, statSync } from "node:fs";

export function readStore<T>(path: string, tidy: () => boolean, fn: (db: Database) => T): T {
  const had = { wal: existsSync(`${path}-wal`), shm: existsSync(`${path}-shm`) };
  const db = new Database(path, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
    if (tidy()) {
      if (!had.wal && existsSync(`${path}-wal`) && statSync(`${path}-wal`).size === 0) rmSync(`${path}-wal`, { force: true });
      if (!had.shm && !existsSync(`${path}-wal`)) rmSync(`${path}-shm`, { force: true });
    }
  }
}
