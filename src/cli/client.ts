/** The one call most verbs make: reach the daemon as the caller's identity, ask, hang up. */
import { reachDaemon } from "../client/autostart.ts";
import type { Client } from "../client/connection.ts";
import type { ArgsOf, RequestType, ResultOf } from "../protocol/requests.ts";

export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await reachDaemon({ token: process.env.MAESTRO_TOKEN || undefined });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export function ask<T extends RequestType>(type: T, args: ArgsOf<T>): Promise<ResultOf<T>> {
  return withClient((c) => c.request(type, args));
}
