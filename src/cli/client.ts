/** The one call most verbs make: reach the daemon as the caller's identity, ask, hang up. */
import { reachDaemon, withDaemon } from "../client/autostart.ts";
import type { Client } from "../client/connection.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { ArgsOf, RequestType, ResultOf } from "../protocol/requests.ts";

/** Runs `fn` on a connection; its first request shares the hello's round trip (see withDaemon). */
export function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  return withDaemon({ token: process.env.MAESTRO_TOKEN || undefined }, fn);
}

export function ask<T extends RequestType>(type: T, args: ArgsOf<T>): Promise<ResultOf<T>> {
  return withClient((c) => c.request(type, args));
}

/**
 * Opens a stream and hands each event to `onEvent` until the daemon ends it. A refused request
 * throws its own error (and exit code); Ctrl-C ends the process cleanly (exit 0).
 */
export async function followStream<T extends RequestType>(type: T, args: ArgsOf<T>, onEvent: (e: unknown) => void): Promise<never> {
  const client = await reachDaemon({ token: process.env.MAESTRO_TOKEN || undefined });
  let ended!: (reason: string | undefined) => void;
  const end = new Promise<string | undefined>((r) => (ended = r));
  const { reply } = client.openStream(type, args, { event: onEvent, end: ended });
  process.once("SIGINT", () => {
    client.close();
    process.exit(0);
  });
  try {
    await reply;
    const reason = await end;
    // The daemon ended the connection with a reason of its own (a rotated token): say that.
    const failure = client.failure;
    if (failure instanceof MaestroError && failure.code !== "unavailable") throw failure;
    throw new MaestroError("unavailable", `the ${type} stream ended: ${reason ?? "the daemon closed it"}`);
  } finally {
    client.close(); // an open socket would keep the process alive after a refusal
  }
}
