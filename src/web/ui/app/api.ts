/**
 * The HTTP API as the page uses it: POST /api/v1/<type> with the login cookie (same origin, so
 * the browser sends the Origin the gateway checks). Errors carry the CLI's words and exit code.
 */
import type { ArgsOf, RequestType, ResultOf } from "../../../protocol/requests.ts";

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exit: number,
  ) {
    super(message);
  }
}

export async function call<T extends RequestType>(type: T, args: Partial<ArgsOf<T>> & Record<string, unknown>): Promise<ResultOf<T>> {
  let r: Response;
  try {
    r = await fetch(`/api/v1/${type}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(args), credentials: "same-origin" });
  } catch (err) {
    throw new ApiError("unavailable", `cannot reach the maestro daemon (${(err as Error).message})`, 5);
  }
  const body = (await r.json().catch(() => null)) as unknown;
  if (!r.ok) {
    const e = (body ?? {}) as { code?: string; message?: string; exit?: number };
    throw new ApiError(e.code ?? "internal", e.message ?? `HTTP ${r.status}`, e.exit ?? 1);
  }
  return body as ResultOf<T>;
}
