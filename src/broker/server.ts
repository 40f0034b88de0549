/**
 * The listening socket: accepts connections, checks the peer's uid and connection caps
 * (./conn-limits.ts), and hands each its Connection.
 */
import type { TCPSocketListener, UnixSocketListener } from "bun";
import { chmodSync } from "node:fs";
import { ConnectionLimits } from "./conn-limits.ts";
import { Connection } from "./connection.ts";
import { peerCheckSupported, peerCredentials } from "./peer.ts";
import type { Broker, HandlerTable } from "./types.ts";

export interface ServerBroker extends Broker {
  register(c: Connection): void;
  unregister(c: Connection): void;
}

export function listen(broker: ServerBroker, table: HandlerTable): UnixSocketListener<Connection> | TCPSocketListener<Connection> {
  const limits = new ConnectionLimits(broker.config);
  const uid = process.getuid?.();
  if (!peerCheckSupported()) broker.log.warn("this platform cannot name a socket peer's uid; only the 0700 directory guards the socket");
  // The directory is 0700 already; the umask makes the socket itself 0600 from its first instant.
  const oldUmask = process.umask(0o177);
  try {
    const server = Bun.listen<Connection>({
      unix: broker.paths.socket,
      socket: {
        open(sock) {
          broker.metrics.counters.connections_accepted++;
          sock.data = new Connection(sock, broker, table);
          // Bun sockets carry their fd at run time; the typings do not declare it.
          const peer = uid === undefined ? undefined : peerCredentials((sock as unknown as { fd: number }).fd);
          sock.data.peerPid = peer?.pid;
          if (peer && peer.uid !== uid) {
            broker.log.warn(`auth failure: refused a connection from uid ${peer.uid}${peer.pid ? ` (pid ${peer.pid})` : ""}`);
            broker.metrics.counters.auth_failures++;
            broker.audit.record(`uid ${peer.uid}`, "auth", "", "denied", `peer uid ${peer.uid}${peer.pid ? `, pid ${peer.pid}` : ""} is not the daemon's uid ${uid}`);
            sock.data.refuse("forbidden", `this daemon serves uid ${uid} only; uid ${peer.uid} is refused`);
          } else {
            sock.data.admit(limits, peer?.pid);
          }
        },
        data(sock, chunk) {
          sock.data.onData(chunk);
        },
        drain(sock) {
          sock.data.onDrain();
        },
        close(sock) {
          sock.data?.onClose();
        },
        error(sock, err) {
          broker.log.debug(`connection ${sock.data?.id}: ${err.message}`);
        },
      },
    });
    chmodSync(broker.paths.socket, 0o600);
    return server;
  } finally {
    process.umask(oldUmask);
  }
}
