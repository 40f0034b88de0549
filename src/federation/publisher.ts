/**
 * Directory publishing: this host's entry (its identities and sessions with presence, and its
 * public key) written to the KV bucket on connect, when it changes (checked every second) and at
 * least every 30 s; and the watch that keeps the local copy of every host's entry.
 */
import type { KV } from "@nats-io/kv";
import type { FedContext } from "./context.ts";
import type { DirectoryEntry } from "./directory.ts";

/** How often this host's own directory entry is compared with what it last wrote. */
const DIRECTORY_EVERY_MS = 1000;
/** …and rewritten at least this often, so `at` tells a reader the host is alive. */
const DIRECTORY_REFRESH_MS = 30_000;

export class DirectoryPublisher {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastEntry = "";
  private lastEntryAt = 0;

  constructor(private readonly f: FedContext) {}

  /** Our own entry goes into the local copy at once: `name@<this host>` works offline. */
  seed(): Promise<boolean> {
    return this.f.dir.accept(JSON.stringify(this.ownEntry()));
  }

  /** On (re)connect: write ours now, then keep it fresh and watch everyone's. */
  async start(kv: KV): Promise<void> {
    await this.publishEntry(true);
    this.timer ??= setInterval(() => void this.publishEntry(false).catch((err) => this.f.fail(err)), DIRECTORY_EVERY_MS);
    void this.watch(kv);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private ownEntry(): DirectoryEntry {
    const b = this.f.broker;
    const online = new Set([...b.clients].map((c) => c.identity.name));
    for (const s of b.sessions.list()) if (s.running) online.add(s.name);
    else online.delete(s.name);
    const names = b.store.identities
      .list()
      .filter((i) => i.retired_at === null)
      .map((i) => ({ name: i.name, kind: i.kind, presence: online.has(i.name) ? ("online" as const) : ("offline" as const) }));
    return { host: this.f.host, key: this.f.key.publicKey, at: Date.now(), names };
  }

  async publishEntry(force: boolean): Promise<void> {
    const kv = this.f.kv;
    if (!kv || (!force && !this.f.connected)) return;
    const e = this.ownEntry();
    const same = JSON.stringify({ ...e, at: 0 });
    if (!force && same === this.lastEntry && Date.now() - this.lastEntryAt < DIRECTORY_REFRESH_MS) return;
    const json = JSON.stringify(e);
    await kv.put(this.f.host, json);
    this.lastEntry = same;
    this.lastEntryAt = Date.now();
    await this.f.dir.accept(json);
  }

  private async watch(kv: KV): Promise<void> {
    try {
      const w = await kv.watch();
      for await (const e of w) {
        if (e.operation !== "PUT") continue;
        const ok = await this.f.dir.accept(e.string());
        // Someone overwrote our entry (without NATS permissions, anyone can): put ours back at once.
        if (!ok && e.key === this.f.host) await this.publishEntry(true).catch((err) => this.f.fail(err));
      }
    } catch (err) {
      this.f.fail(err);
    }
  }
}
