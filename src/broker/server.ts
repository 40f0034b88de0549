/**
 * The listening socket: accepts connections, caps their number, and hands each its Connection.
 */
import type { TCPSocketListener, UnixSocketListener } from "bun";
import { chmodSync } from "node:fs";
import { Connection } from "./connection.ts";
import type { Broker, HandlerTable } from "./types.ts";

export interface ServerBroker extends Broker {
  register(c: Connection): void;
  unregister(c: Connection): void;
}

export function listen(broker: ServerBroker, table: HandlerTable): UnixSocketListener<Connection> | TCPSocketListener<Connection> {
  let open = 0;
  const max = broker.config.daemon.max_connections;
  // The directory is 0700 already; the umask makes the socket itself 0600 from its first instant.
  const oldUmask = process.umask(0o177);
  try {
    const server = Bun.listen<Connection>({
      unix: broker.paths.socket,
      socket: {
        open(sock) {
          open++;
          sock.data = new Connection(sock, broker, table);
          if (open > max) sock.data.fail("unavailable", `the daemon already serves ${max} connections (daemon.max_connections)`, true);
        },
        data(sock, chunk) {
          sock.data.onData(chunk);
        },
        drain(sock) {
          sock.data.onDrain();
        },
        close(sock) {
          open--;
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
