/**
 * The MCP server's one connection to the daemon, kept for the server's life. A tool call reaches
 * the daemon like any verb does (autostart, the caller's identity); when the daemon goes away the
 * call in flight fails with a clear line and the next one connects again.
 */
import { reachDaemon } from "../client/autostart.ts";
import type { Client } from "../client/connection.ts";
import { isDaemonGone } from "../client/reconnect.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { ArgsOf, RequestType, ResultOf } from "../protocol/requests.ts";

export class DaemonLink {
  private current: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;

  constructor(private readonly token: string | undefined) {}

  /** The open connection, or a new one. `autostart: false` for background reconnects. */
  client(autostart = true): Promise<Client> {
    if (this.closed) return Promise.reject(new MaestroError("unavailable", "the MCP server is shutting down"));
    if (this.current && !this.current.failure) return Promise.resolve(this.current);
    // A background attempt that may not start a daemon does not answer a call that may.
    if (this.connecting && (this.connectingMayStart || !autostart)) return this.connecting;
    const attempt = reachDaemon({ token: this.token, ...(autostart ? {} : { autostart: false }) })
      .then((c) => {
        // Two attempts raced (a call and the push's reconnect): keep one connection.
        if (this.current && !this.current.failure && this.current !== c) {
          c.close();
          return this.current;
        }
        this.current = c;
        if (this.closed) c.close();
        return c;
      })
      .finally(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
    this.connecting = attempt;
    this.connectingMayStart = autostart;
    return attempt;
  }
  private connectingMayStart = false;

  async request<T extends RequestType>(type: T, args: ArgsOf<T>, signal?: AbortSignal): Promise<ResultOf<T>> {
    const c = await this.client();
    try {
      return await c.request(type, args, signal);
    } catch (e) {
      throw lostDuring(e);
    }
  }

  close(): void {
    this.closed = true;
    this.current?.close();
  }
}

/** A daemon that went away mid-call: say so, and that the next call reconnects. */
export function lostDuring(e: unknown): unknown {
  if (!isDaemonGone(e)) return e;
  const why = (e as MaestroError).message;
  return new MaestroError("unavailable", `the daemon went away during this call (${why}); its outcome is unknown — the next call reconnects`, { lost: true });
}
