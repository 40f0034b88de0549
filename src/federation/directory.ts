/**
 * The federation directory: every host's entry (its names and public key), from the KV bucket,
 * kept in the store too so a daemon that starts while NATS is down still knows where `name@host`
 * lives. A host's key is pinned the first time it is seen: a later entry with another key, and
 * anyone else's entry naming this host, are refused and audited.
 */
import { z } from "zod";
import type { Audit } from "../broker/audit.ts";
import { HOST_RE } from "../broker/config.ts";
import type { RemoteLookup } from "../broker/federation-port.ts";
import type { Writer } from "../broker/messaging/writer.ts";
import type { Store } from "../broker/store/index.ts";
import { NAME_RE } from "../protocol/names.ts";
import type { DirectoryHost } from "../protocol/results.ts";
import { fingerprint, importPublicKey } from "./host-key.ts";

const entrySchema = z
  .object({
    host: z.string().regex(HOST_RE),
    key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    at: z.number().int(),
    names: z.array(z.object({ name: z.string().regex(NAME_RE), kind: z.enum(["operator", "agent", "session"]), presence: z.enum(["online", "offline"]) }).strict()).max(100_000),
  })
  .strict();

export type DirectoryEntry = z.infer<typeof entrySchema>;

export class Directory {
  private readonly entries = new Map<string, { entry: DirectoryEntry; names: Set<string> }>();
  private readonly keys = new Map<string, Promise<CryptoKey>>();
  private readonly refusedKeys = new Set<string>();

  constructor(
    private readonly self: { host: string; key: string },
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly audit: Audit,
  ) {
    // This host's own key is its own: a store that pinned an older one (the key file was lost
    // and made anew) would otherwise refuse this host's every entry.
    const own = store.federation.host(self.host);
    if (own && own.public_key !== self.key) store.federation.forget(self.host);
    for (const row of store.federation.hosts()) {
      const parsed = entrySchema.safeParse(JSON.parse(row.entry));
      if (parsed.success) this.remember(parsed.data);
    }
  }

  /** An entry read from the bucket (or our own): accepted, or refused and audited. */
  async accept(json: string): Promise<boolean> {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      raw = undefined;
    }
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      this.audit.record("federation", "federation.directory", "", "denied", "malformed directory entry");
      return false;
    }
    const e = parsed.data;
    if (e.host === this.self.host && e.key !== this.self.key) {
      this.refuseOnce(e, `an entry for this host (${e.host}) with another key (${fingerprint(e.key)}): another daemon uses the same host name`);
      return false;
    }
    const ok = await this.writer.write(() => this.store.federation.putHost(e.host, e.key, JSON.stringify(e), Date.now()));
    if (!ok) {
      const pinned = this.store.federation.host(e.host)!;
      this.refuseOnce(e, `host ${e.host} changed its key from ${fingerprint(pinned.public_key)} to ${fingerprint(e.key)}: refused (pinned); see docs/federation.md to re-key a host`);
      return false;
    }
    this.remember(e);
    return true;
  }

  private refuseOnce(e: DirectoryEntry, why: string): void {
    const k = `${e.host}:${e.key}`;
    if (this.refusedKeys.has(k)) return;
    this.refusedKeys.add(k);
    this.audit.record(`host:${e.host}`, "federation.directory", e.host, "denied", why);
  }

  private remember(e: DirectoryEntry): void {
    const old = this.entries.get(e.host);
    if (old && old.entry.key !== e.key) this.keys.delete(e.host);
    this.entries.set(e.host, { entry: e, names: new Set(e.names.map((n) => n.name)) });
  }

  /** Unpins HOST (`maestro host forget`); undefined for a host not in the directory. */
  async forget(host: string): Promise<string | undefined> {
    const e = this.entries.get(host);
    const pinned = this.store.federation.host(host);
    if (!e && !pinned) return undefined;
    await this.writer.write(() => this.store.federation.forget(host));
    this.entries.delete(host);
    this.keys.delete(host);
    for (const k of [...this.refusedKeys]) if (k.startsWith(`${host}:`)) this.refusedKeys.delete(k);
    return fingerprint(pinned?.public_key ?? e!.entry.key);
  }

  has(host: string): boolean {
    return this.entries.has(host);
  }

  lookup(name: string, host: string): RemoteLookup {
    const e = this.entries.get(host);
    if (!e) return "no-host";
    return e.names.has(name) ? "ok" : "no-name";
  }

  /** The verification key of a host, as pinned; undefined for a host nobody has seen. */
  key(host: string): Promise<CryptoKey> | undefined {
    const e = this.entries.get(host);
    if (!e) return undefined;
    let k = this.keys.get(host);
    if (!k) this.keys.set(host, (k = importPublicKey(e.entry.key)));
    return k;
  }

  get size(): number {
    return this.entries.size;
  }

  list(): DirectoryHost[] {
    return [...this.entries.values()]
      .map(({ entry }) => ({ host: entry.host, at: new Date(entry.at).toISOString(), key: fingerprint(entry.key), names: entry.names }))
      .sort((a, b) => a.host.localeCompare(b.host));
  }
}
