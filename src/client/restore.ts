/**
 * `restore`: a backup archive (src/workers/backup.ts) into a stopped, empty home. Everything is
 * unpacked into a temporary directory inside the home and checked there — each file's size and
 * SHA-256 against the manifest, the store's `PRAGMA integrity_check`, its schema against this
 * maestro's — and only then moved into place. Any failure removes the temporary directory: the
 * home is as it was.
 */
import { Database } from "bun:sqlite";
import { createHash, type Hash } from "node:crypto";
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { allowedEntry, MANIFEST_NAME, parseManifest, type Manifest, type ManifestFile } from "../protocol/backup-manifest.ts";
import { ensurePrivateDir } from "../protocol/dirs.ts";
import { MaestroError } from "../protocol/errors.ts";
import { acquireLock } from "../protocol/lock.ts";
import type { Paths } from "../protocol/paths.ts";
import { readTar, TarError } from "../protocol/tar.ts";
import { MIGRATIONS } from "../broker/store/migrations.ts";
import { readStore } from "./read-store.ts";

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export interface RestoreResult {
  home: string;
  maestro_version: string;
  schema_version: number;
  created_at: string;
  messages: number;
  blobs: number;
  config: boolean;
}

export function restoreArchive(file: string, paths: Paths): RestoreResult {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new MaestroError("not_found", `restore: no archive at ${file}`);
    throw new MaestroError("internal", `restore: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    ensurePrivateDir(paths.home, "home");
    const lock = acquireLock(paths.lock);
    if ("heldBy" in lock) {
      throw new MaestroError(
        "forbidden",
        `restore: a daemon is running for ${paths.home}${lock.heldBy ? ` (pid ${lock.heldBy})` : ""}; restore writes only into a stopped home: run \`maestro daemon stop\` first`,
      );
    }
    try {
      const data = dataInHome(paths);
      if (data) throw refuseHome(paths.home, data);
      return unpack(fd, file, paths);
    } finally {
      lock.release();
    }
  } finally {
    closeSync(fd);
  }
}

function refuseHome(home: string, what: string): MaestroError {
  return new MaestroError(
    "forbidden",
    `restore: ${home} already holds ${what}; restore only into an empty home (e.g. \`MAESTRO_HOME=${home}-restored maestro restore FILE\`), or move the old home aside`,
  );
}

/** What data the home holds, in a few words, or undefined when there is none worth keeping. */
function dataInHome(paths: Paths): string | undefined {
  const blobs = join(paths.home, "blobs");
  if (existsSync(blobs) && readdirSync(blobs).length > 0) return "attachments (blobs/)";
  if (!existsSync(paths.db)) return undefined;
  // A store a daemon opened but nobody used (identities: only the operator) is not data.
  // We hold the home's lock: no daemon has the store open, so what SQLite adds can go again.
  try {
    return readStore(paths.db, () => true, (db) => {
      const n = (sql: string) => (db.query(sql).get() as { n: number }).n;
      const messages = n("SELECT count(*) AS n FROM messages");
      const identities = n("SELECT count(*) AS n FROM identities WHERE kind != 'operator'");
      const groups = n("SELECT count(*) AS n FROM group_members");
      if (messages + identities + groups === 0) return undefined;
      return `a store with ${messages} messages, ${identities} identities and ${groups} group members (${paths.db})`;
    });
  } catch {
    return `a store that cannot be read (${paths.db})`;
  }
}

function damaged(file: string, why: string): MaestroError {
  return new MaestroError("internal", `restore: ${file} ${why}; nothing was restored`);
}

function unpack(fd: number, file: string, paths: Paths): RestoreResult {
  const staging = mkdtempSync(join(paths.home, ".restore-"));
  try {
    let manifest: Manifest | undefined;
    const expected = new Map<string, ManifestFile>();
    const seen = new Set<string>();
    try {
      readTar(fd, (entry) => {
        if (!manifest) {
          if (entry.name !== MANIFEST_NAME) throw damaged(file, `does not start with a ${MANIFEST_NAME} (is it a maestro backup?)`);
          if (entry.size > MAX_MANIFEST_BYTES) throw damaged(file, "has an oversized manifest");
          const parts: Uint8Array[] = [];
          return {
            write: (chunk) => void parts.push(chunk.slice()),
            end: () => {
              const parsed = parseManifest(Buffer.concat(parts).toString("utf8"));
              if (typeof parsed === "string") throw damaged(file, `is not a maestro backup: ${parsed}`);
              checkSchema(parsed.schema_version, parsed.maestro_version, file);
              manifest = parsed;
              for (const f of parsed.files) expected.set(f.path, f);
            },
          };
        }
        const want = expected.get(entry.name);
        if (!want || !allowedEntry(entry.name) || seen.has(entry.name)) throw damaged(file, `holds ${JSON.stringify(entry.name)}, which its manifest does not list`);
        if (entry.size !== want.size) throw damaged(file, `holds ${entry.name} of ${entry.size} bytes; its manifest says ${want.size} (altered?)`);
        seen.add(entry.name);
        return fileSink(join(staging, entry.name), (sha256) => {
          if (sha256 !== want.sha256) throw damaged(file, `holds ${entry.name} whose SHA-256 does not match its manifest (altered or damaged)`);
        });
      });
    } catch (err) {
      if (err instanceof TarError) throw damaged(file, `cannot be read: ${err.message}`);
      throw err;
    }
    if (!manifest) throw damaged(file, "is empty");
    const m: Manifest = manifest;
    const absent = m.files.filter((f) => !seen.has(f.path));
    if (absent.length > 0) throw damaged(file, `lacks ${absent[0]!.path}${absent.length > 1 ? ` and ${absent.length - 1} more files` : ""} that its manifest lists (truncated?)`);

    const stagedDb = join(staging, "maestro.db");
    const messages = checkStore(stagedDb, m, file);
    const hasConfig = expected.has("config.toml");
    if (hasConfig && existsSync(paths.config)) throw refuseHome(paths.home, `a config file (${paths.config})`);

    // Everything checks out: move it into place. An unused store a daemon made is replaced.
    for (const suffix of ["", "-wal", "-shm"]) rmSync(paths.db + suffix, { force: true });
    renameSync(stagedDb, paths.db);
    const blobs = m.files.filter((f) => f.path.startsWith("blobs/"));
    if (blobs.length > 0) {
      mkdirSync(join(paths.home, "blobs"), { recursive: true, mode: 0o700 });
      for (const b of blobs) renameSync(join(staging, b.path), join(paths.home, b.path));
    }
    if (hasConfig) moveFile(join(staging, "config.toml"), paths.config);
    return { home: paths.home, maestro_version: m.maestro_version, schema_version: m.schema_version, created_at: m.created_at, messages, blobs: blobs.length, config: hasConfig };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function checkSchema(version: number, by: string, file: string): void {
  const newest = MIGRATIONS.at(-1)!.version;
  if (version > newest) {
    throw new MaestroError(
      "incompatible",
      `restore: ${file} holds a store of schema version ${version} (maestro ${by}), newer than this maestro knows (${newest}); restore it with maestro ${by} or newer`,
    );
  }
}

/** integrity_check, and the store's own schema version against the manifest's; returns its message count. */
function checkStore(path: string, m: Manifest, file: string): number {
  let db: Database;
  try {
    db = new Database(path, { readonly: true });
  } catch (err) {
    throw damaged(file, `holds a store SQLite cannot open (${(err as Error).message})`);
  }
  try {
    const rows = db.query("PRAGMA integrity_check").all() as { integrity_check: string }[];
    if (rows.length !== 1 || rows[0]!.integrity_check !== "ok") throw damaged(file, `holds a store that fails SQLite's integrity check (${rows[0]?.integrity_check ?? "no answer"})`);
    const version = (db.query("SELECT max(version) AS v FROM schema_migrations").get() as { v: number }).v;
    if (version !== m.schema_version) throw damaged(file, `holds a store of schema ${version} but its manifest says ${m.schema_version}`);
    checkSchema(version, m.maestro_version, file);
    return (db.query("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
  } catch (err) {
    if (err instanceof MaestroError) throw err;
    throw damaged(file, `holds a store that cannot be read (${(err as Error).message})`);
  } finally {
    db.close();
  }
}

function fileSink(path: string, onHash: (sha256: string) => void): { write(chunk: Uint8Array): void; end(): void } {
  if (path.includes("/blobs/")) mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  const out = openSync(path, "wx", 0o600);
  const hash: Hash = createHash("sha256");
  return {
    write(chunk) {
      hash.update(chunk);
      for (let off = 0; off < chunk.byteLength; ) off += writeSync(out, chunk, off);
    },
    end() {
      fsyncSync(out);
      closeSync(out);
      onHash(hash.digest("hex"));
    },
  };
}

/** A rename, or a copy where MAESTRO_CONFIG lies on another filesystem. */
function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
    copyFileSync(from, to);
  }
}
