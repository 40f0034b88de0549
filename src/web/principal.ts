/**
 * Who is on the other end of a web request or WebSocket: an identity (by its token, the operator's
 * API token, or a browser login cookie, which is the operator) or a share link (one session, and
 * nothing else).
 */
import { OPERATOR } from "../broker/auth.ts";
import type { Broker } from "../broker/types.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import { API_TOKEN_PREFIX, isApiToken } from "./api-token.ts";
import type { Grant, Grants, ShareGrant } from "./grants.ts";

export type Principal = { kind: "identity"; who: Identity; via: "token" | "api-token" | "cookie" } | { kind: "share"; share: ShareGrant; via: "token" | "cookie" };

export const COOKIE = "maestro_login";

export function cookieValue(header: string | null): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === COOKIE) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function fromGrant(g: Grant): Principal {
  return g.kind === "operator" ? { kind: "identity", who: OPERATOR, via: "cookie" } : { kind: "share", share: g.share, via: "cookie" };
}

/** A bearer token (or a WebSocket hello's): an identity's, the operator's API token, or a share link's. */
export function fromToken(broker: Broker, grants: Grants, token: string): Principal {
  if (token.startsWith(API_TOKEN_PREFIX) && isApiToken(broker.paths.home, token)) return { kind: "identity", who: OPERATOR, via: "api-token" };
  const share = grants.share(token);
  if (share) return { kind: "share", share, via: "token" };
  const who = broker.store.identities.authenticate(token);
  if (!who) throw new MaestroError("unauthorized", "the token matches no identity, web API token or live share link: it was never issued, has been rotated, revoked or has expired");
  return { kind: "identity", who, via: "token" };
}

/** The name audit records and logs give a principal (never a secret). */
export function actorOf(p: Principal): string {
  return p.kind === "identity" ? p.who.name : `share:${p.share.id}`;
}
