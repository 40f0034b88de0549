/**
 * `backup`: runs src/workers/backup.ts (the snapshot, the hashing and the archive, all off the
 * daemon's thread) and turns its failures into one-line errors that say what to do.
 */
import { dirname } from "node:path";
import { MaestroError } from "../protocol/errors.ts";
import { VERSION } from "../protocol/version.ts";
import type { BackupResult } from "../protocol/requests.ts";
import type { BackupDone, BackupJob } from "../workers/backup.ts";
import { workerPath } from "../workers/path.ts";
import type { Broker } from "./types.ts";

export async function writeBackup(broker: Broker, out: string): Promise<BackupResult> {
  const job: BackupJob = {
    db: broker.paths.db,
    blobs: `${broker.paths.home}/blobs`,
    config: broker.paths.config,
    home: broker.paths.home,
    out,
    version: VERSION,
  };
  const worker = new Worker(workerPath("backup"));
  let done: BackupDone;
  try {
    done = await new Promise<BackupDone>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<BackupDone>) => resolve(e.data);
      worker.onerror = (e) => reject(new MaestroError("internal", `backup: the backup worker failed: ${e.message}`));
      worker.postMessage(job);
    });
  } finally {
    worker.terminate();
  }
  if (done.ok) return done.summary;
  throw backupError(done, out);
}

function backupError(e: Extract<BackupDone, { ok: false }>, out: string): MaestroError {
  const full = e.code === "ENOSPC" || e.code === "EDQUOT" || e.code === "SQLITE_FULL" || /disk is full|no space left/i.test(e.message);
  if (full) return new MaestroError("internal", `backup: the disk holding ${dirname(out)} is full: free some space or choose another place; no backup was written`);
  if (e.code === "SQLITE_CANTOPEN" || (e.code && /^E[A-Z]+$/.test(e.code))) {
    const what = e.code === "EEXIST" ? "a file is in the way" : e.message.replace(/^[A-Z]+: /, "");
    return new MaestroError("internal", `backup: cannot write ${out} (${what}); choose a directory you can write; no backup was written`);
  }
  return new MaestroError("internal", `backup: ${e.message}; no backup was written`);
}
