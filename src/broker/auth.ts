/**
 * Who is on the other end. A hello without a token is the operator: the user who owns the socket
 * (the 0600 socket in a 0700 directory is what makes that true). Tokens name identities; until
 * identities exist, any token is refused rather than quietly treated as the operator.
 */
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import type { Broker } from "./types.ts";

export const OPERATOR: Identity = { name: "operator", kind: "operator" };

export function authenticate(_broker: Broker, token: string | undefined): Identity {
  if (token === undefined) return OPERATOR;
  throw new MaestroError("unauthorized", "the token matches no identity; run `maestro register <name>` for a new one");
}
