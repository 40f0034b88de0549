/**
 * Long waits outlive the daemon: when it restarts, a `send --wait` or `inbox --follow` reconnects
 * (with backoff, within its own deadline) and carries on where it was, instead of exiting 5.
 * Reconnecting never starts a daemon: one that was stopped on purpose stays stopped.
 */
import { MaestroError } from "../protocol/errors.ts";
import { reachDaemon } from "./autostart.ts";
import type { ArgsOf, RequestType } from "../protocol/requests.ts";
import type { Client } from "./connection.ts";

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;

/** The daemon went away (closed the socket, is not listening yet): worth trying again. */
export function isDaemonGone(e: unknown): boolean {
  return e instanceof MaestroError && e.code === "unavailable";
}

export interface Persist {
  /** Epoch ms after which a lost daemon is given up on (the error is rethrown). */
  deadline: () => number;
  /** A connection already open for the first attempt (the one a send was made on). */
  first?: Client;
  /** Told each time the daemon is lost, before reconnecting. */
  onLost?: (e: MaestroError) => void;
}

/**
 * Runs `attempt` on a connection; when the daemon goes away during it, reconnects and runs it
 * again (`resumed` = true) until it settles some other way or the deadline passes.
 */
export async function persist<T>(opts: Persist, attempt: (client: Client, resumed: boolean) => Promise<T>): Promise<T> {
  const token = process.env.MAESTRO_TOKEN || undefined;
  let client = opts.first ?? (await reachDaemon({ token }));
  let resumed = false;
  for (;;) {
    try {
      const r = await attempt(client, resumed);
      client.close();
      return r;
    } catch (e) {
      client.close();
      if (!isDaemonGone(e) || Date.now() >= opts.deadline()) throw e;
      opts.onLost?.(e as MaestroError);
      client = await reconnect(token, opts.deadline, e as MaestroError);
      resumed = true;
    }
  }
}

async function reconnect(token: string | undefined, deadline: () => number, lost: MaestroError): Promise<Client> {
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    const left = deadline() - Date.now();
    if (left <= 0) throw new MaestroError("unavailable", `${lost.message}; it did not come back in time`);
    await Bun.sleep(Math.min(backoff, left));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    try {
      return await reachDaemon({ token, autostart: false });
    } catch (e) {
      if (!isDaemonGone(e)) throw e;
    }
  }
}

/** How long a follower keeps trying to get a lost daemon back before it exits 5. */
export const FOLLOW_RECONNECT_MS = 60_000;

/**
 * Follows a stream for good: each time the daemon goes away, reconnects (for up to
 * FOLLOW_RECONNECT_MS) and opens the stream again. `onEvent` learns whether the event came on a
 * resumed stream, so it can drop what an earlier one already showed. A refusal (a rotated
 * token) ends it with that error; Ctrl-C ends the process cleanly (exit 0).
 */
export async function followResuming<T extends RequestType>(
  type: T,
  args: ArgsOf<T>,
  onEvent: (e: unknown) => void,
  onLost?: (e: MaestroError) => void,
): Promise<never> {
  process.once("SIGINT", () => process.exit(0));
  let lostAt = Date.now();
  return persist({ deadline: () => lostAt + FOLLOW_RECONNECT_MS, ...(onLost ? { onLost } : {}) }, async (client) => {
    let ended!: (reason: string | undefined) => void;
    const end = new Promise<string | undefined>((r) => (ended = r));
    const { reply } = client.openStream(type, args, { event: onEvent, end: ended });
    await reply;
    const reason = await end;
    lostAt = Date.now();
    // The daemon ended the connection with a reason of its own (a rotated token): say that.
    const failure = client.failure;
    if (failure instanceof MaestroError && failure.code !== "unavailable") throw failure;
    throw new MaestroError("unavailable", `the ${type} stream ended: ${reason ?? "the daemon closed it"}`);
  });
}
