/**
 * The daemon's life: lock the home, open the store, replace a stale socket, listen, and on SIGTERM,
 * SIGINT or a shutdown request close everything in the order that leaves nothing behind.
 */
import { existsSync, unlinkSync } from "node:fs";
import { MaestroError } from "../protocol/errors.ts";
import { acquireLock } from "../protocol/lock.ts";
import { preparePaths } from "../protocol/dirs.ts";
import { resolvePaths } from "../protocol/paths.ts";
import { VERSION } from "../protocol/version.ts";
import { loadConfig } from "./config.ts";
import type { Connection } from "./connection.ts";
import type { ClientHandle } from "./types.ts";
import { handlers } from "./handlers/index.ts";
import { createLogger } from "./log.ts";
import { DEFAULT_ROTATION } from "../protocol/rotate.ts";
import { peerPidSupported } from "./peer.ts";
import { listen, type ServerBroker } from "./server.ts";
import { Store } from "./store/index.ts";
import { damagedStoreError } from "./storage-errors.ts";
import { BlobStore } from "./blobs.ts";
import { Router } from "./messaging/router.ts";
import { join } from "node:path";

/** How long programs get to exit after the hang-up at shutdown before they are killed. */
const SESSION_HANGUP_GRACE_MS = 500;
import { Writer } from "./messaging/writer.ts";
import { Audit } from "./audit.ts";
import { Metrics } from "./metrics.ts";
import { serveMetrics } from "./metrics-http.ts";
import { metricsText } from "./handlers/metrics.ts";
import { startWeb, stopWeb } from "./web.ts";

export interface DaemonOptions {
  /** Log to stderr as well as the log file. */
  foreground: boolean;
}

/** Runs until stopped; resolves with the process's exit code. */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  // Everything the daemon creates (database, WAL, blobs, log) is for this user alone.
  process.umask(0o077);
  const paths = resolvePaths();
  preparePaths(paths);
  const lock = acquireLock(paths.lock);
  if ("heldBy" in lock) {
    throw new MaestroError(
      "unavailable",
      `a daemon is already running for ${paths.home}${lock.heldBy ? ` (pid ${lock.heldBy})` : ""}; stop it with \`maestro daemon stop\``,
    );
  }
  const rotation = { ...DEFAULT_ROTATION };
  const log = createLogger(paths.log, opts.foreground, rotation);
  let store: Store;
  try {
    const config = loadConfig(paths.config);
    rotation.max_bytes = config.daemon.log_max_bytes;
    rotation.keep = config.daemon.log_keep;
    try {
      store = new Store(paths.db);
    } catch (err) {
      throw damagedStoreError(err, paths.db, paths.home) ?? err;
    }
    store.startCheckpointer((msg) => log.warn(msg));
    await removeStaleSocket(paths.socket);
    return await serve({ paths, config, store, log, lock });
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function serve(parts: Pick<ServerBroker, "paths" | "config" | "store" | "log"> & { lock: { release(): void } }): Promise<number> {
  const { paths, store, log, lock, config } = parts;
  // Loaded only once we hold the lock: the terminal emulator is the heaviest module, and a daemon
  // that loses the start-up race should exit without paying for it.
  const { Sessions } = await import("../pty/registry.ts");
  const sessions = new Sessions(config.sessions, join(paths.home, "logs"), (level, msg) => log[level](msg));
  // No session outlives its daemon: the identities of the last daemon's sessions leave `*`.
  store.identities.retireSessions();
  // Pinning needs the peer's pid (SO_PEERCRED) and the daemon as subreaper; both are Linux's.
  const pinning = peerPidSupported() && sessions.adoptOrphans();
  if (!pinning) log.warn("this platform cannot tie a connection to the session it comes from; sessions get their token in MAESTRO_TOKEN");
  const blobs = new BlobStore(paths.home);
  const writer = new Writer(store.db);
  const metrics = new Metrics();
  const audit = new Audit(store, writer);
  audit.retain(config.audit.keep_days);
  const router = new Router(store, config, blobs, log, writer, audit, metrics);
  /** Socket connections (closed at shutdown), and every client that said hello, WebSockets included. */
  const connections = new Set<Connection>();
  const clients = new Set<ClientHandle>();
  const lastSeen = new Map<string, number>();
  let stopping = false;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));

  const broker: ServerBroker = {
    ...parts,
    router,
    blobs,
    audit,
    metrics,
    startedAt: new Date(),
    sessions,
    clients,
    sessionOfProcess: (pid, ago) => sessions.sessionOfProcess(pid, ago),
    pinning,
    web: { gateway: undefined },
    federation: undefined,
    lastSeen,
    register: (c) => {
      connections.add(c);
      clients.add(c);
      lastSeen.set(c.identity.name, Date.now());
    },
    unregister: (c) => {
      connections.delete(c);
      if (clients.delete(c)) lastSeen.set(c.identity.name, Date.now());
    },
    track(c) {
      clients.add(c);
      lastSeen.set(c.identity.name, Date.now());
      return () => {
        if (clients.delete(c)) lastSeen.set(c.identity.name, Date.now());
      };
    },
    shutdown(reason) {
      if (stopping) return;
      stopping = true;
      log.info(`shutting down: ${reason}`);
      // Let the reply that asked for this reach its client before the sockets go.
      setImmediate(async () => {
        server.stop(true);
        // Sessions die with the daemon: hang up on every program, kill stragglers, close every PTY.
        await sessions.closeAll(SESSION_HANGUP_GRACE_MS).catch((err) => log.error("closing sessions", err));
        http?.stop();
        stopWeb(broker);
        try {
          unlinkSync(paths.socket);
        } catch {
          // already gone
        }
        await broker.federation?.close().catch((err) => log.error("closing federation", err));
        router.close();
        audit.close();
        await store.close().catch((err) => log.error("closing the store", err));
        lock.release();
        for (const c of [...connections]) c.close();
        log.info("stopped");
        resolveExit(0);
      });
    },
  };

  // [federation] set: NATS client code is loaded only then. Connecting never blocks start-up:
  // while NATS is away, remote sends wait in the outbox.
  if (config.federation.nats) {
    const { startFederation } = await import("../federation/index.ts");
    broker.federation = await startFederation(broker);
    router.federate(broker.federation);
  }
  const server = listen(broker, handlers);
  const http = config.metrics.listen ? serveMetrics(config.metrics.listen, config.metrics.token, () => metricsText(broker)) : undefined;
  // `[web] listen` set: listen from start-up. A busy port must not keep the daemon (and every
  // verb that autostarts it) down: it is logged, and `maestro web` says it again.
  if (config.web.listen) startWeb(broker, undefined).catch((err) => log.error(`web gateway: ${(err as Error).message}`));
  const onSignal = (sig: NodeJS.Signals) => broker.shutdown(`signal ${sig}`);
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("SIGHUP", () => log.info("SIGHUP ignored"));
  // One stray rejected promise must not take every session and connection down with the daemon.
  process.on("unhandledRejection", (err) => log.error("unhandled rejection (the daemon keeps running)", err));
  log.info(`maestro ${VERSION} daemon pid ${process.pid} listening on ${paths.socket} (home ${paths.home})`);
  return exited;
}

/**
 * We hold the home's lock, so no daemon of this home owns the socket file. It is either a dead
 * daemon's leftover, or — if MAESTRO_SOCKET points two homes at one path — a live daemon of
 * another home, which must not be unlinked from under it.
 */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const live = await Bun.connect({ unix: path, socket: { data() {} } }).then(
    (s) => {
      s.end();
      return true;
    },
    () => false,
  );
  if (live) {
    throw new MaestroError("unavailable", `another daemon is listening on ${path}; give this home its own MAESTRO_SOCKET`);
  }
  unlinkSync(path);
}
