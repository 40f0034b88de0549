/**
 * Federation through NATS JetStream (SPEC §12, docs/federation.md). Loaded by the daemon only
 * when `[federation] nats` is set. One object per daemon: the connection (retried forever) and
 * its set-up (connection.ts), the outbox drainer (outbox.ts), the receiver that verifies,
 * commits and only then acks (receiver.ts), directory publishing (publisher.ts), and remote
 * session control (control.ts).
 */
import { jetstream, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { FederationPort } from "../broker/federation-port.ts";
import type { Broker } from "../broker/types.ts";
import type { DirectoryHost, FederationStatus } from "../protocol/results.ts";
import { RemoteTerminals } from "./terminals.ts";
import type { RemoteAttachArgs, RemoteTerminal, RemoteWait } from "../broker/federation-port.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import { connectOptions, ensureObjects, jsOptions } from "./connection.ts";
import type { Counts, FedContext } from "./context.ts";
import { Directory } from "./directory.ts";
import { loadHostKey, type HostKey } from "./host-key.ts";
import { Outbox } from "./outbox.ts";
import { FedBlobs } from "./blobs.ts";
import { DirectoryPublisher } from "./publisher.ts";
import { Receiver } from "./receiver.ts";
import { RemoteControl } from "./control.ts";

/** Bytes of a one-item envelope besides the item's subject, body and metadata (ids, names, signature header). */
const ENVELOPE_ROOM = 16 * 1024;

export async function startFederation(broker: Broker): Promise<FederationPort> {
  const key = await loadHostKey(broker.paths.home);
  const fed = new Federation(broker, key);
  fed.start();
  return fed;
}

class Federation implements FederationPort, FedContext {
  readonly host: string;
  readonly dir: Directory;
  readonly counts: Counts = { published: 0, received: 0, duplicates: 0, refused: 0 };
  readonly blobs: FedBlobs = new FedBlobs(this);
  private readonly remote: RemoteControl;
  private readonly outbox: Outbox;
  private readonly receiver: Receiver;
  private readonly publisher: DirectoryPublisher;
  nc: NatsConnection | undefined;
  js: JetStreamClient | undefined;
  jsm: JetStreamManager | undefined;
  kv: KV | undefined;
  connected = false;
  closed = false;
  private readonly terms: RemoteTerminals;
  private lastError: string | null = null;
  private ensuredAt = 0;

  constructor(
    readonly broker: Broker,
    readonly key: HostKey,
  ) {
    this.host = broker.config.federation.host;
    this.dir = new Directory({ host: this.host, key: key.publicKey }, broker.store, broker.router.writer, broker.audit);
    this.remote = new RemoteControl(broker, this.host, key, this.dir);
    this.outbox = new Outbox(this);
    this.receiver = new Receiver(this);
    this.publisher = new DirectoryPublisher(this);
    this.terms = new RemoteTerminals({ broker, host: this.host, key, dir: this.dir, linkMs: broker.config.federation.link_timeout_ms });
  }

  start(): void {
    void this.publisher.seed();
    void this.run();
  }

  // --- the connection ----------------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      this.nc = await connect(connectOptions(this.broker.config.federation, this.host));
    } catch (err) {
      this.fail(err);
      if (!this.closed) setTimeout(() => void this.run(), 1000).unref();
      return;
    }
    if (this.closed) return void this.nc.close();
    void this.watchStatus(this.nc);
    await this.setUp();
  }

  private async ensure(): Promise<void> {
    ({ kv: this.kv, jsm: this.jsm } = await ensureObjects(this.nc!, this.host, this.broker.config.federation.domain));
    this.ensuredAt = Date.now();
  }

  reensure(): void {
    if (!this.nc || Date.now() - this.ensuredAt < 5000) return;
    this.ensuredAt = Date.now();
    this.ensure().catch((err) => this.fail(err));
  }

  private async setUp(): Promise<void> {
    const nc = this.nc!;
    try {
      await this.ensure();
      this.js = jetstream(nc, jsOptions(this.broker.config.federation.domain));
      await this.publisher.start(this.kv!);
      this.connected = true;
      this.lastError = null;
      void this.receiver.consume();
      this.remote.serve(nc);
      this.terms.serve(nc);
      this.kick();
      this.broker.log.info(`federation: host ${this.host} connected to ${nc.getServer()}`);
    } catch (err) {
      this.fail(err);
      if (!this.closed) setTimeout(() => void this.setUp(), 1000).unref();
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        this.connected = false;
        this.lastError = "disconnected from NATS";
      } else if (s.type === "reconnect") {
        this.connected = this.js !== undefined;
        this.lastError = null;
        this.kick();
        this.terms.reconnected();
      } else if (s.type === "error") {
        this.fail((s as { error?: unknown }).error ?? "error");
      }
    }
  }

  fail(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    // Retries run every half second while NATS is away: log a failure once, not each time.
    if (!this.closed && msg !== this.lastError) this.broker.log.warn(`federation: ${msg}`);
    this.lastError = msg;
  }

  // --- what the daemon asks (FederationPort) -----------------------------------------------------

  lookup(name: string, host: string) {
    return this.dir.lookup(name, host);
  }

  directory(): DirectoryHost[] {
    return this.dir.list();
  }

  kick(receipt = false): void {
    this.outbox.kick(receipt);
  }

  control(host: string, op: "peek" | "type" | "kill", args: object, caller: Identity): Promise<unknown> {
    if (!this.nc || !this.connected) {
      return Promise.reject(new MaestroError("unavailable", "federation: not connected to NATS; try again when `maestro status` shows connected"));
    }
    return this.remote.call(this.nc, host, op, args, caller);
  }
  private natsOrFail(): NatsConnection {
    if (!this.nc || !this.connected) throw new MaestroError("unavailable", "federation: not connected to NATS; try again when `maestro status` shows connected");
    return this.nc;
  }

  attach(host: string, args: RemoteAttachArgs, caller: Identity): Promise<RemoteTerminal> {
    return Promise.resolve().then(() => this.terms.attach(this.natsOrFail(), host, args, caller));
  }

  wait(host: string, args: object, caller: Identity): Promise<RemoteWait> {
    return Promise.resolve().then(() => this.terms.wait(this.natsOrFail(), host, args, caller));
  }


  maxMessageBytes(): number {
    // The server says its max_payload when we connect (nats-server's default is 1 MB); room is
    // left for the envelope around the item and its headers.
    return (this.nc?.info?.max_payload ?? 1024 * 1024) - ENVELOPE_ROOM;
  }

  status(): FederationStatus {
    return {
      host: this.host,
      nats: this.broker.config.federation.nats,
      connected: this.connected && this.nc !== undefined && !this.nc.isClosed(),
      outbox: this.broker.store.federation.depth(),
      last_error: this.lastError,
      hosts: this.dir.size,
      ...this.counts,
    };
  }

  async forget(host: string): Promise<{ forgot: string; pinned: string | null }> {
    const forgot = await this.dir.forget(host);
    if (forgot === undefined) throw new MaestroError("not_found", `no host "${host}" in the federation directory (see \`maestro host ls\`)`);
    // Its current entry, read again: pinned now with the key it has (the watch only sees new writes).
    const e = await this.kv?.get(host).catch(() => null);
    if (e && e.operation === "PUT") await this.dir.accept(e.string());
    const now = this.dir.list().find((h) => h.host === host);
    return { forgot, pinned: now?.key ?? null };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.terms.close();
    this.publisher.stop();
    this.outbox.stop();
    await this.nc?.close().catch(() => {});
  }
}
