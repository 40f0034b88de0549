/**
 * Attachments across hosts: blobs travel by hash through their own JetStream stream,
 * `MAESTRO_FED_BLOBS` (docs/federation.md), in chunks well under NATS's max_payload, one subject
 * per chunk (`maestro.fed.blob.<sha256>.<i>`, one message kept per subject: a blob sent twice is
 * stored once). The sender puts a message's blobs there before the message; the receiver reads
 * them back, checks size and SHA-256 against the signed envelope, and stores them in its own
 * blob store before it commits the message.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import { BlobStore } from "../broker/blobs.ts";
import type { Attachment } from "../protocol/message.ts";
import type { FedContext } from "./context.ts";

export const BLOB_STREAM = "MAESTRO_FED_BLOBS";
export const BLOB_SUBJECTS = "maestro.fed.blob.>";
export const BLOB_CHUNK = 256 * 1024;
/** Blobs older than this are gone from the stream: a host offline longer gets them refused (dead). */
export const BLOB_MAX_AGE_NS = 30 * 24 * 3600 * 1e9;
const blobSubject = (sha: string, i: number) => `maestro.fed.blob.${sha}.${i}`;
const chunks = (size: number) => Math.max(1, Math.ceil(size / BLOB_CHUNK));

export async function ensureBlobStream(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.streams.info(BLOB_STREAM);
  } catch {
    const cfg = { name: BLOB_STREAM, subjects: [BLOB_SUBJECTS], max_msgs_per_subject: 1, max_age: BLOB_MAX_AGE_NS, duplicate_window: 10 * 60 * 1e9 };
    await jsm.streams.add(cfg).catch(async (err) => {
      await jsm.streams.info(BLOB_STREAM).catch(() => Promise.reject(err));
    });
  }
}

export class FedBlobs {
  /** Put lately (hash → when): not again for the next message that carries the same file, for a day (the stream keeps blobs 30). */
  private readonly sent = new Map<string, number>();

  constructor(private readonly f: FedContext) {}

  /** Each blob's chunks into the stream (idempotent: Nats-Msg-Id per chunk, one kept per subject). */
  async upload(atts: Attachment[]): Promise<void> {
    for (const a of atts) {
      if ((this.sent.get(a.sha256) ?? -Infinity) > Date.now() - 24 * 3600_000) continue;
      // Purged here meanwhile: nothing to send; the receiver finds it missing and says so (dead).
      const bytes = await this.f.broker.blobs.get(a.sha256);
      if (!bytes) continue;
      const js = this.f.js!;
      await Promise.all(
        Array.from({ length: chunks(bytes.byteLength) }, (_, i) =>
          js.publish(blobSubject(a.sha256, i), bytes.subarray(i * BLOB_CHUNK, (i + 1) * BLOB_CHUNK), { msgID: `blob.${a.sha256}.${i}`, timeout: 10_000 }),
        ),
      );
      this.sent.set(a.sha256, Date.now());
    }
  }

  /**
   * The blob's bytes, verified against the size and hash the signed envelope names; a string
   * says why not (missing from the stream, hash mismatch) — a refusal. Transport errors throw
   * (the envelope is not acked, so it comes again).
   */
  async fetch(a: Attachment): Promise<Uint8Array | string> {
    const jsm = this.f.jsm!;
    const parts = await Promise.all(Array.from({ length: chunks(a.size) }, (_, i) => jsm.streams.getMessage(BLOB_STREAM, { last_by_subj: blobSubject(a.sha256, i) })));
    if (parts.some((p) => p === null)) return `attachment ${a.name} (${a.sha256.slice(0, 12)}…) is not in ${BLOB_STREAM} (expired, or never sent)`;
    const bytes = Buffer.concat(parts.map((p) => p!.data));
    const got = BlobStore.digest(bytes);
    if (bytes.byteLength !== a.size || got !== a.sha256) {
      return `attachment ${a.name}: hash mismatch on arrival (${bytes.byteLength} bytes, sha256 ${got.slice(0, 12)}…; the signed envelope says ${a.size} bytes, ${a.sha256.slice(0, 12)}…)`;
    }
    return new Uint8Array(bytes);
  }
}
