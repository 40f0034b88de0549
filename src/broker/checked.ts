/**
 * Every request is checked against the request table (src/protocol/requests.ts) before its
 * handler runs: the arguments' shape and limits, then who may make it. A handler therefore sees
 * arguments of the declared types, and a refusal is the same one-line error on every transport.
 */
import { MaestroError } from "../protocol/errors.ts";
import type { Identity } from "../protocol/messages.ts";
import { describeArgsIssue } from "../protocol/fields.ts";
import { REQUESTS, type CheckedArgs, type RequestType } from "../protocol/requests.ts";
import { requireOperator } from "./auth.ts";

export function checkRequest<T extends RequestType>(type: T, args: unknown, who: Identity): CheckedArgs<T> {
  const spec = REQUESTS[type];
  const parsed = spec.args.safeParse(args ?? {});
  if (!parsed.success) throw new MaestroError("usage", `${type}: ${describeArgsIssue(parsed.error)}`);
  if (spec.access.who === "operator") requireOperator(who, spec.access.to);
  return parsed.data as CheckedArgs<T>;
}
