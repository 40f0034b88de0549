import type { ConsolaInstance } from "consola";
import type { ErrorCode } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { Paths } from "../protocol/paths.ts";
import type { CheckedArgs, RequestType, ResultOf } from "../protocol/requests.ts";
import type { Sessions } from "../pty/registry.ts";
import type { Audit } from "./audit.ts";
import type { BlobStore } from "./blobs.ts";
import type { Config } from "./config.ts";
import type { FederationPort } from "./federation-port.ts";
import type { Metrics } from "./metrics.ts";
import type { Router } from "./messaging/router.ts";
import type { Store } from "./store/index.ts";
import type { ServerStream } from "./stream.ts";

/** What every handler can reach: the daemon's state, and nothing global. */
export interface Broker {
  readonly paths: Paths;
  readonly config: Config;
  readonly store: Store;
  readonly log: ConsolaInstance;
  readonly router: Router;
  readonly audit: Audit;
  readonly metrics: Metrics;
  readonly blobs: BlobStore;
  readonly startedAt: Date;
  /** Terminal sessions (SPEC §6). */
  readonly sessions: Sessions;
  /** Connections that have said hello. */
  readonly clients: ReadonlySet<ClientHandle>;
  /**
   * Counts a client that is not a socket connection (a WebSocket) among `clients`, so presence
   * sees it and a token's rotation or removal ends it; returns the untrack.
   */
  track(client: ClientHandle): () => void;
  /** When a connection of each identity last said hello or closed, since the daemon started (epoch ms). */
  readonly lastSeen: ReadonlyMap<string, number>;
  /**
   * The session the connecting process `pid` comes from (such a connection may act only as that
   * session, token or not), a refusal when it comes from one that cannot be named, or undefined
   * for a process outside every session. Reads /proc only once a session has run.
   */
  sessionOfProcess(pid: number, connectedMsAgo: number): { session: Identity } | { refused: string } | undefined;
  /** Sessions' processes are known by the kernel (Linux): their environments carry no token. */
  readonly pinning: boolean;
  /** The web gateway while it listens (src/web/, loaded only then: broker/web.ts). */
  readonly web: { gateway: WebGateway | undefined };
  /** Federation through NATS while `[federation] nats` is set (src/federation/, loaded only then). */
  federation: FederationPort | undefined;
  /** Stops the daemon cleanly after the current tick. */
  shutdown(reason: string): void;
}

/** What the daemon asks of its web gateway (src/web/index.ts). */
export interface WebGateway {
  readonly listen: string;
  readonly requested: string;
  readonly tls: boolean;
  login(): { url: string; expiresAt: number };
  share(session: string, readOnly: boolean, ttlMs?: number): { url: string; expiresAt: number; id: string };
  revoke(): { logins: number; shares: number };
  stop(): void;
}

/** The per-connection view a handler gets. */
export interface ClientHandle {
  readonly id: number;
  readonly identity: Identity;
  /** The connecting process, from SO_PEERCRED, where the kernel says. */
  readonly peerPid: number | undefined;
  /**
   * The session whose process tree the connecting process is in, as its ancestry was read at
   * hello (a process cannot move into a session's tree afterwards); undefined outside every one.
   */
  readonly insideSession: string | undefined;
  /** Sends an error; `fatal` closes the connection after it (credentials revoked, …). */
  fail(code: ErrorCode, message: string, fatal: boolean): void;
}

export interface HandlerContext {
  broker: Broker;
  client: ClientHandle;
  requestId: number;
  /** Aborted when the client's connection closes: long waits give up their resources. */
  signal: AbortSignal;
  /**
   * Turns this request into a stream: EVENT/DATA frames named by the request id follow the
   * reply until one side ends it. Call at most once.
   */
  openStream(): ServerStream;
}

/** A handler gets its arguments already checked against the request table (./checked.ts). */
export type Handler<T extends RequestType> = (ctx: HandlerContext, args: CheckedArgs<T>) => ResultOf<T> | Promise<ResultOf<T>>;

export type HandlerTable = { [T in RequestType]: Handler<T> };
