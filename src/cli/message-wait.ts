/**
 * Waiting on a message (`send --wait`, `wait-message`): the wait survives a daemon restart (it
 * resumes on the same id within the same deadline), and its JSON has one shape whether the wait
 * was reached or ran out.
 */
import type { Client } from "../client/connection.ts";
import { persist } from "../client/reconnect.ts";
import { err } from "./io.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { WaitResult } from "../protocol/requests.ts";

export type WaitFor = WaitResult["reached"];

/** `{id, reached, reply, timed_out}`: reached is null when the wait ran out. */
export interface WaitOutcome {
  id: string;
  reached: WaitFor | null;
  reply: WaitResult["reply"];
  timed_out: boolean;
}

export function timedOut(id: string): WaitOutcome {
  return { id, reached: null, reply: null, timed_out: true };
}

/** Waits until `what` happens to message `id`; rejects with the daemon's error (timeout: exit 4). */
export async function waitMessage(first: Client | undefined, id: string, what: WaitFor, timeoutMs: number): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  const onLost = () => err("maestro: the daemon went away; reconnecting to wait on the same message\n");
  // The caller's own timeout, not what was left of it when the daemon was asked (after a
  // reconnect, or the send's own milliseconds): "within 0.2 s", never "within 0.199 s".
  const ranOut = () => new MaestroError("timeout", `message ${id} was not ${what === "reply" ? "replied to" : what} within ${timeoutMs / 1000} s`);
  const r = await persist({ deadline: () => deadline, onLost, ...(first ? { first } : {}) }, (client) => {
    const left = deadline - Date.now();
    if (left <= 0) throw ranOut();
    return client.request("message.wait", { id, for: what, timeout_ms: left }).catch((e: unknown) => {
      // Only the plain "ran out" line; an expiry or a dead letter (also exit 4) says why as it is.
      throw isTimeout(e) && / within [\d.]+ s$/.test((e as Error).message) ? ranOut() : e;
    });
  });
  return { ...r, timed_out: false };
}

export function isTimeout(e: unknown): boolean {
  return e instanceof MaestroError && e.code === "timeout";
}
