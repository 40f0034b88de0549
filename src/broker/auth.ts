/**
 * Who is on the other end. A hello without a token is the operator: the user who owns the socket
 * (the 0600 socket in a 0700 directory is what makes that true). A token names the identity it
 * was issued to; a token that matches none is refused, never downgraded to the operator.
 */
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { Broker } from "./types.ts";

export const OPERATOR: Identity = { name: "operator", kind: "operator" };

/**
 * A process that comes from a maestro session is that session: with no token it is not the
 * operator, and a token of another identity is refused. One that comes from a session that can
 * no longer be named is refused outright. Everything else authenticates by token as usual.
 * Also says which session's process tree the peer is in, so nobody reads its ancestry twice.
 */
export function authenticatePeer(broker: Broker, token: string | undefined, peer?: { pid: number; connectedMsAgo: number }): { who: Identity; inside: string | undefined } {
  const pin = peer === undefined ? undefined : broker.sessionOfProcess(peer.pid, peer.connectedMsAgo);
  if (pin && "refused" in pin) {
    throw new MaestroError("forbidden", `refused: this process ${pin.refused}; a process started in a maestro session may act only as that session`);
  }
  const session = pin?.session;
  if (session) {
    const who = token === undefined ? session : broker.store.identities.authenticate(token);
    if (who?.name !== session.name) {
      throw new MaestroError("forbidden", `a process inside session ${session.name} may act only as ${session.name}`);
    }
    return { who: session, inside: session.name };
  }
  if (token === undefined) return { who: OPERATOR, inside: undefined };
  const who = broker.store.identities.authenticate(token);
  if (!who) {
    broker.log.warn("auth failure: a token that matches no identity");
    throw new MaestroError("unauthorized", "the token (MAESTRO_TOKEN) matches no identity: it was never issued or has been rotated");
  }
  return { who, inside: undefined };
}

/** Verbs that manage the daemon or mint identities are the operator's alone. */
export function requireOperator(who: Identity, what: string): void {
  if (who.kind !== "operator") {
    throw new MaestroError("forbidden", `only the operator may ${what}; ${who.name} is ${who.kind === "agent" ? "an agent" : "a session"}`);
  }
}

/**
 * Who may change a session (type into it, attach with keys, kill, remove): the operator, and a
 * session acting on itself. Any identity may look (ls, peek, wait, read-only attach). A process
 * inside a session is pinned to that session (see `authenticatePeer`), so an agent there cannot drive
 * its neighbours by dropping its token; a process of the same user outside every session is still
 * the operator (docs/security.md).
 */
export function requireSessionControl(who: Identity, session: string, what: string): void {
  if (who.kind === "operator" || (who.kind === "session" && who.name === session)) return;
  throw new MaestroError(
    "forbidden",
    `only the operator may ${what} session "${session}"; ${who.name} is ${who.kind === "agent" ? "an agent" : "another session"}`,
  );
}
