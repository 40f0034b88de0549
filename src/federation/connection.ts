/**
 * The NATS side of set-up: connection options from `[federation]`, and the stream, this host's
 * durable consumer and the directory bucket, each created idempotently (docs/federation.md).
 */
import { readFileSync } from "node:fs";
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { Config } from "../broker/config.ts";
import { ensureBlobStream } from "./blobs.ts";
import { DIRECTORY_BUCKET, durableName, inSubject, STREAM, SUBJECTS } from "./envelope.ts";

const ACK_WAIT_NS = 5e9;

export function connectOptions(f: Config["federation"], host: string): NodeConnectionOptions {
  const o: NodeConnectionOptions = {
    servers: f.nats.split(",").map((s) => s.trim()),
    name: `maestro@${host}`,
    // Never give up: while NATS is away, sends wait in the outbox.
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
  };
  if (f.user) Object.assign(o, { user: f.user, pass: f.password });
  if (f.token) o.token = f.token;
  if (f.creds) o.authenticator = credsAuthenticator(readFileSync(f.creds));
  if (f.tls_ca || f.tls_cert) {
    o.tls = { ...(f.tls_ca ? { caFile: f.tls_ca } : {}), ...(f.tls_cert ? { certFile: f.tls_cert, keyFile: f.tls_key } : {}) };
  }
  return o;
}

/** Streams, consumer, bucket: created if missing, identical config if present (idempotent). */
/** `[federation] domain`: the JetStream domain the streams live in (leaf nodes), or the local one. */
export const jsOptions = (domain: string) => (domain === "" ? {} : { domain });

export async function ensureObjects(nc: NatsConnection, host: string, domain: string): Promise<{ kv: KV; jsm: JetStreamManager }> {
  const jsm = await jetstreamManager(nc, jsOptions(domain));
  try {
    await jsm.streams.info(STREAM);
  } catch {
    // A 10-minute duplicate window: an outbox row published twice (its ack lost) is stored once.
    await jsm.streams.add({ name: STREAM, subjects: [SUBJECTS], duplicate_window: 10 * 60 * 1e9 }).catch(async (err) => {
      // Another host created it meanwhile.
      await jsm.streams.info(STREAM).catch(() => Promise.reject(err));
    });
  }
  // ack_wait 5 s: what a daemon killed mid-batch had pulled but not acked comes again that soon
  // after it restarts (a commit takes milliseconds; a slow one redelivered is refused as seen).
  const consumer = { durable_name: durableName(host), filter_subject: inSubject(host), ack_policy: AckPolicy.Explicit, ack_wait: ACK_WAIT_NS, max_ack_pending: 1024 };
  await jsm.consumers.add(STREAM, consumer).catch(async (err) => {
    // Exists with an older config: bring it up to date, or keep it as it is.
    await jsm.consumers.update(STREAM, consumer.durable_name, { ack_wait: ACK_WAIT_NS, max_ack_pending: 1024 }).catch(() => jsm.consumers.info(STREAM, consumer.durable_name).catch(() => Promise.reject(err)));
  });
  await ensureBlobStream(jsm);
  return { kv: await new Kvm(jetstream(nc, jsOptions(domain))).create(DIRECTORY_BUCKET, { history: 1 }), jsm };
}
