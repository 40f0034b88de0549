/**
 * Running one request for an identity: the request table's check, the handler, the audit of a
 * refusal and the mapping of whatever it throws to a wire error. Every transport — the Unix
 * socket (connection.ts) and the web gateway's HTTP API (src/web/api.ts) — runs requests through
 * here, so a request means the same thing, is refused the same way and leaves the same audit
 * record however it arrived.
 */
import { MaestroError, isErrorCode, type ErrorCode } from "../protocol/errors.ts";
import type { RequestType } from "../protocol/requests.ts";
import { VERSION } from "../protocol/version.ts";
import { actionOf, isRefusal, targetOf } from "./audit.ts";
import { checkRequest } from "./checked.ts";
import { storageError } from "./storage-errors.ts";
import type { Handler, HandlerContext, HandlerTable } from "./types.ts";

export interface Outcome {
  /** The handler's result (sent as is; `undefined` becomes `null`). */
  reply(result: unknown): void;
  /** The request failed: always a MaestroError, with its wire code. */
  fail(err: MaestroError): void;
}

export function isRequestType(table: HandlerTable, type: string): type is RequestType {
  return Object.hasOwn(table, type);
}

/**
 * Runs `type` with `args` as `ctx.client.identity`. A synchronous handler's reply is given
 * synchronously: a handler that queues stream output in a microtask (attach) relies on its reply
 * going out first.
 */
export function dispatchRequest(table: HandlerTable, ctx: HandlerContext, type: string, args: unknown, out: Outcome): void {
  const { broker } = ctx;
  if (!isRequestType(table, type)) {
    out.fail(new MaestroError("unknown_request", `unknown request type "${type}" (daemon maestro ${VERSION})`));
    return;
  }
  const handler = table[type] as Handler<RequestType>;
  const record = (args ?? {}) as Record<string, unknown>;
  const error = (raw: unknown) => {
    const err = storageError(raw, broker.paths.home) ?? raw;
    if (err instanceof MaestroError) {
      if (isRefusal(err.code)) {
        broker.audit.record(ctx.client.identity.name, actionOf(type, record), targetOf(record), "denied", err.message);
      }
      out.fail(err);
      return;
    }
    broker.log.error(`request ${type} failed`, err);
    const code: ErrorCode = isErrorCode((err as { code?: unknown })?.code) ? (err as { code: ErrorCode }).code : "internal";
    out.fail(new MaestroError(code, `internal error: ${(err as Error)?.message ?? String(err)}`));
  };
  try {
    const result = handler(ctx, checkRequest(type, args, ctx.client.identity) as never);
    if (result instanceof Promise) result.then((r) => out.reply(r), error);
    else out.reply(result);
  } catch (err) {
    error(err);
  }
}
