/**
 * A full disk surfaces as SQLITE_FULL from the store or ENOSPC/EDQUOT from the blob store. The
 * transaction was rolled back (or the blob never referenced), so the honest message is: nothing
 * was stored, free space and retry. Exit 1, like any other failure of the machine.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MaestroError } from "../protocol/errors.ts";

export function storageError(err: unknown, home: string): MaestroError | undefined {
  const e = err as { code?: string; errno?: number; message?: string };
  const full =
    e?.code === "SQLITE_FULL" || e?.code === "ENOSPC" || e?.code === "EDQUOT" || /database or disk is full|no space left on device/i.test(e?.message ?? "");
  if (!full) return undefined;
  return new MaestroError("internal", `the disk holding ${home} is full: free some space and retry; nothing was stored`);
}

/**
 * A database file SQLite cannot read (not a database, or damaged) at start-up. Nothing was written
 * to it; say which file, that it is untouched, and the two ways on: a backup, or a fresh store
 * with the damaged files (the WAL too, which SQLite would otherwise replay) moved aside.
 */
export function damagedStoreError(err: unknown, db: string, home: string): MaestroError | undefined {
  const e = err as { code?: string; message?: string };
  if (e?.code !== "SQLITE_NOTADB" && e?.code !== "SQLITE_CORRUPT") return undefined;
  const files = [db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f));
  const aside = join(home, `damaged-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}`);
  return new MaestroError(
    "internal",
    `the database ${db} cannot be read (${e.message}); it was left untouched. Restore it from a backup, or move it aside to start with an empty store: \`mkdir ${quote(aside)} && mv ${files.map(quote).join(" ")} ${quote(aside)}/\``,
  );
}

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}
