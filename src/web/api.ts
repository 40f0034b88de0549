/**
 * `POST /api/v1/<request type>`: the socket's requests over HTTP, for scripts and containers that
 * cannot reach the Unix socket. The body is the request's JSON arguments; the answer is its JSON
 * result, or `{code, message, exit}` with the HTTP status of the code. Requests run through the
 * same dispatcher as the socket's (broker/dispatch.ts): the same table check, handlers, limits,
 * policy and audit. Requests that stream (attach, wait, events, inbox --follow) and resize (which
 * names an attach stream) belong to the socket and the WebSocket.
 */
import { dispatchRequest } from "../broker/dispatch.ts";
import { handlers } from "../broker/handlers/index.ts";
import type { Broker, ClientHandle, HandlerContext } from "../broker/types.ts";
import { ERROR_EXIT, MaestroError, type ErrorCode } from "../protocol/errors.ts";
import { MAX_FRAME } from "../protocol/frame.ts";
import type { Identity } from "../protocol/messages.ts";
import { REQUESTS, type RequestType } from "../protocol/requests.ts";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  usage: 400,
  protocol: 400,
  unknown_request: 404,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  too_large: 413,
  rate_limited: 429,
  timeout: 408,
  unavailable: 503,
  incompatible: 503,
  internal: 500,
};

/** The largest body accepted: a socket frame's limit (a send with its attachments fits). */
export const MAX_BODY = MAX_FRAME;

export function errorResponse(err: MaestroError, headers: Record<string, string>): Response {
  const body: Record<string, unknown> = { code: err.code, message: err.message, exit: ERROR_EXIT[err.code] };
  if (err.details) body.details = err.details;
  const extra: Record<string, string> = err.code === "unauthorized" ? { "www-authenticate": 'Bearer realm="maestro"' } : {};
  return Response.json(body, { status: HTTP_STATUS[err.code], headers: { ...headers, ...extra } });
}

let nextHttpClient = 1;

/** Reads at most MAX_BODY bytes, whatever Content-Length claims. */
async function readBody(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > MAX_BODY) throw tooLarge(declared);
  if (!req.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY) throw tooLarge(size);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

const tooLarge = (n: number) => new MaestroError("too_large", `the request body (${n} bytes or more) is over the limit of ${MAX_BODY} bytes (16 MiB); nothing was done`, { limit: "body" });

/** Parses the body and runs the request for `who`; resolves with the HTTP response. */
export async function runApi(broker: Broker, who: Identity, type: string, req: Request, headers: Record<string, string>): Promise<Response> {
  try {
    if (Object.hasOwn(REQUESTS, type)) {
      const spec = REQUESTS[type as RequestType] as { stream?: string };
      if (spec.stream === "always" || type === "resize") {
        throw new MaestroError("usage", `${type} is not offered over HTTP: it ${type === "resize" ? "names an attach stream" : "streams"}; use the maestro.v1 WebSocket at /ws (or the Unix socket)`);
      }
    }
    const raw = await readBody(req);
    let args: unknown = {};
    if (raw.byteLength > 0) {
      try {
        args = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
      } catch (err) {
        throw new MaestroError("usage", `the body must be one JSON object of ${type}'s arguments: ${(err as Error).message}`);
      }
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) throw new MaestroError("usage", `the body must be one JSON object of ${type}'s arguments, not ${Array.isArray(args) ? "an array" : JSON.stringify(args)}`);
    if (Object.hasOwn(REQUESTS, type) && (REQUESTS[type as RequestType] as { stream?: string }).stream === "follow" && (args as { follow?: unknown }).follow === true) {
      throw new MaestroError("usage", `${type} with follow is a stream, not offered over HTTP: subscribe on the maestro.v1 WebSocket at /ws (or use the Unix socket)`);
    }
    const result = await run(broker, who, type, args, req.signal);
    return Response.json(result ?? null, { headers });
  } catch (err) {
    return errorResponse(err instanceof MaestroError ? err : new MaestroError("internal", `internal error: ${(err as Error).message}`), headers);
  }
}

function run(broker: Broker, who: Identity, type: string, args: unknown, signal: AbortSignal): Promise<unknown> {
  const client: ClientHandle = {
    id: -nextHttpClient++,
    identity: who,
    peerPid: undefined,
    insideSession: undefined,
    // A request that would close its connection (a rotated token) just ends: HTTP has no connection to close.
    fail: () => {},
  };
  return new Promise((resolve, reject) => {
    const ctx: HandlerContext = {
      broker,
      client,
      requestId: 0,
      signal,
      openStream: () => {
        throw new MaestroError("usage", `${type} streams: not offered over HTTP`);
      },
    };
    dispatchRequest(handlers, ctx, type, args, { reply: resolve, fail: reject });
  });
}
