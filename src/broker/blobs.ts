/**
 * Attachments live in a content-addressed store under the home (unstorage, fs driver): the key
 * is the SHA-256 of the bytes, so the same file sent twice is kept once.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { createStorage, type Storage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";

export class BlobStore {
  private readonly storage: Storage;

  constructor(home: string) {
    this.storage = createStorage({ driver: fsDriver({ base: join(home, "blobs") }) });
  }

  static digest(bytes: Uint8Array): string {
    return createHash("sha256").update(bytes).digest("hex");
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = BlobStore.digest(bytes);
    if (!(await this.storage.hasItem(key))) await this.storage.setItemRaw(key, Buffer.from(bytes));
    return key;
  }

  async get(sha256: string): Promise<Uint8Array | undefined> {
    const raw = await this.storage.getItemRaw<Buffer>(sha256);
    return raw ? new Uint8Array(raw) : undefined;
  }

  /** Removes every blob no message refers to; returns how many. */
  async sweep(inUse: Set<string>): Promise<number> {
    let n = 0;
    for (const key of await this.storage.getKeys()) {
      if (!inUse.has(key)) {
        await this.storage.removeItem(key);
        n++;
      }
    }
    return n;
  }
}
