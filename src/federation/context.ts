/**
 * What the parts of federation (connection, outbox drainer, receiver, directory publisher) share:
 * the broker, this host's name and key, the directory, the live JetStream handles and one place
 * to record a failure. The Federation object in index.ts is the one implementation.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Broker } from "../broker/types.ts";
import type { FedBlobs } from "./blobs.ts";
import type { Directory } from "./directory.ts";
import type { HostKey } from "./host-key.ts";

export interface Counts {
  published: number;
  received: number;
  duplicates: number;
  refused: number;
}

export interface FedContext {
  readonly broker: Broker;
  readonly host: string;
  readonly key: HostKey;
  readonly dir: Directory;
  readonly counts: Counts;
  readonly blobs: FedBlobs;
  readonly nc: NatsConnection | undefined;
  readonly js: JetStreamClient | undefined;
  readonly jsm: JetStreamManager | undefined;
  readonly kv: KV | undefined;
  readonly connected: boolean;
  readonly closed: boolean;
  fail(err: unknown): void;
  /** After failures: a server that lost its store (not a restart) gets its objects back. */
  reensure(): void;
}
