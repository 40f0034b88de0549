/**
 * Error codes on the wire and the exit codes they map to (SPEC §3). The daemon names a code; the
 * client turns it into the process's exit status, so scripts can branch on it.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  timeout: 4,
  unavailable: 5,
  refused: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const ERROR_EXIT = {
  internal: EXIT.error,
  protocol: EXIT.error,
  usage: EXIT.usage,
  unknown_request: EXIT.usage,
  not_found: EXIT.notFound,
  timeout: EXIT.timeout,
  unavailable: EXIT.unavailable,
  incompatible: EXIT.unavailable,
  unauthorized: EXIT.refused,
  forbidden: EXIT.refused,
  too_large: EXIT.refused,
  rate_limited: EXIT.refused,
} as const satisfies Record<string, ExitCode>;

export type ErrorCode = keyof typeof ERROR_EXIT;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_EXIT, code);
}

/** An error that carries a wire code; thrown by handlers and by the client alike. */
export class MaestroError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "MaestroError";
    this.code = code;
    this.details = details;
  }

  get exitCode(): ExitCode {
    return ERROR_EXIT[this.code];
  }
}
