/**
 * Attachments live in a content-addressed store under the home: `blobs/<sha256>`, so the same
 * file sent twice is kept once. A blob is written to a temporary name, synced and renamed, so a
 * daemon killed mid-write leaves at most a `.tmp-` file (swept by `purge`), never a short blob
 * under a real hash; and a blob is reused only after its size and hash are checked, so a damaged
 * one is rewritten by the next send of the same file instead of being served forever.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";

const TEMP_PREFIX = ".tmp-";
const HEX_SHA256 = /^[0-9a-f]{64}$/;

export class BlobStore {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = join(home, "blobs");
  }

  static digest(bytes: Uint8Array): string {
    return createHash("sha256").update(bytes).digest("hex");
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = BlobStore.digest(bytes);
    if ((await this.intact(key, bytes.byteLength)) !== undefined) return key;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temp = join(this.dir, `${TEMP_PREFIX}${key}-${randomBytes(6).toString("hex")}`);
    const fd = openSync(temp, "wx", 0o600);
    try {
      for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await rename(temp, join(this.dir, key));
    return key;
  }

  /** The blob's bytes, or undefined when it is missing or no longer matches its hash. */
  async get(sha256: string): Promise<Uint8Array | undefined> {
    if (!HEX_SHA256.test(sha256)) return undefined;
    return this.intact(sha256);
  }

  /** Removes every blob no message refers to, and temporaries left by a crash; returns how many. */
  async sweep(inUse: Set<string>): Promise<number> {
    let n = 0;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (inUse.has(name)) continue;
      if (!HEX_SHA256.test(name) && !name.startsWith(TEMP_PREFIX)) continue;
      await rm(join(this.dir, name), { force: true });
      n++;
    }
    return n;
  }

  private async intact(key: string, size?: number): Promise<Uint8Array | undefined> {
    const path = join(this.dir, key);
    try {
      if (size !== undefined && (await stat(path)).size !== size) return undefined;
      const bytes = new Uint8Array(await readFile(path));
      return BlobStore.digest(bytes) === key ? bytes : undefined;
    } catch {
      return undefined;
    }
  }
}
