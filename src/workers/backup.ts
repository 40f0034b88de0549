/**
 * Worker thread: writes a backup archive (src/protocol/tar.ts, with a manifest first). The store
 * is copied by `VACUUM INTO` on a read-only connection of its own, which reads one snapshot (WAL:
 * writers keep committing beside it); hashing and copying may take seconds on a large store,
 * which in the daemon's thread would stall every client for as long.
 *
 * The archive is written to a temporary name beside the target, synced, and renamed over it: a
 * failed backup (full disk, killed daemon) never leaves a short archive under the real name.
 */
import { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { MANIFEST_FORMAT, MANIFEST_NAME, type Manifest, type ManifestFile } from "../protocol/backup-manifest.ts";
import type { BackupResult } from "../protocol/requests.ts";
import { TarWriter } from "../protocol/tar.ts";

declare const self: Worker;

export interface BackupJob {
  db: string;
  blobs: string;
  config: string;
  home: string;
  out: string;
  version: string;
}

export type BackupDone = { ok: true; summary: BackupResult } | { ok: false; code: string | undefined; message: string; path: string | undefined };

function sha256File(path: string): { sha256: string; size: number } {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = new Uint8Array(1024 * 1024);
  let size = 0;
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.byteLength, null)) > 0; size += n) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest("hex"), size };
}

function run(job: BackupJob): BackupResult {
  const tag = randomBytes(6).toString("hex");
  const temp = join(dirname(job.out), `.${basename(job.out)}.tmp-${tag}`);
  const snapshot = `${temp}.db`;
  let fd: number | undefined;
  try {
    const live = new Database(job.db, { readonly: true });
    try {
      live.run("PRAGMA busy_timeout = 5000");
      live.run("VACUUM INTO ?", [snapshot]);
    } finally {
      live.close();
    }
    const snap = new Database(snapshot, { readonly: true });
    let schema: number;
    let messages: number;
    const digests = new Set<string>();
    try {
      schema = (snap.query("SELECT max(version) AS v FROM schema_migrations").get() as { v: number }).v;
      messages = (snap.query("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
      for (const { attachments } of snap.query("SELECT attachments FROM messages WHERE attachments IS NOT NULL").all() as { attachments: string }[]) {
        for (const a of JSON.parse(attachments) as { sha256: string }[]) digests.add(a.sha256);
      }
    } finally {
      snap.close();
    }
    const files: (ManifestFile & { from: string })[] = [];
    const db = sha256File(snapshot);
    files.push({ path: "maestro.db", ...db, from: snapshot });
    const missing: string[] = [];
    for (const d of [...digests].sort()) {
      const from = join(job.blobs, d);
      let h: { sha256: string; size: number };
      try {
        h = sha256File(from);
      } catch {
        missing.push(d);
        continue;
      }
      if (h.sha256 !== d) missing.push(d);
      else files.push({ path: `blobs/${d}`, ...h, from });
    }
    const hasConfig = existsSync(job.config);
    if (hasConfig) files.push({ path: "config.toml", ...sha256File(job.config), from: job.config });

    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      maestro_version: job.version,
      schema_version: schema,
      created_at: new Date().toISOString(),
      home: job.home,
      files: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
    };
    fd = openSync(temp, "wx", 0o600);
    const tar = new TarWriter(fd);
    tar.addBytes(MANIFEST_NAME, new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n"));
    for (const f of files) tar.addFile(f.path, f.from, f.size);
    tar.end();
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, job.out);
    return {
      file: job.out,
      bytes: statSync(job.out).size,
      schema_version: schema,
      messages,
      blobs: files.filter((f) => f.path.startsWith("blobs/")).length,
      missing_blobs: missing,
      config: hasConfig,
    };
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  } finally {
    rmSync(snapshot, { force: true });
  }
}

self.onmessage = (e: MessageEvent<BackupJob>) => {
  try {
    postMessage({ ok: true, summary: run(e.data) } satisfies BackupDone);
  } catch (err) {
    const x = err as { code?: string; message?: string; path?: string };
    postMessage({ ok: false, code: x.code, message: x.message ?? String(err), path: x.path } satisfies BackupDone);
  }
};
