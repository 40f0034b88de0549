/**
 * The contract's fixed limits, as named constants both sides import by value (no schema library
 * behind them, so a client verb's start-up never pays for one). Configurable limits (body and
 * attachment bytes, rates) live in the daemon's config; these are the ones no config changes.
 */

/** A terminal's size, in cells: what `new`, `attach` and `resize` accept. */
export const TERMINAL = { minCols: 1, maxCols: 1000, minRows: 1, maxRows: 500 } as const;

/** Clamps a real terminal's size into the accepted range (a huge window still attaches). */
export const clampSize = (cols: number, rows: number) => ({
  cols: Math.max(TERMINAL.minCols, Math.min(cols, TERMINAL.maxCols)),
  rows: Math.max(TERMINAL.minRows, Math.min(rows, TERMINAL.maxRows)),
});

/** Identity, session and group names. */
export const NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/** Recipient expressions (names, @groups, *) in one send. */
export const MAX_RECIPIENTS = 256;
/** Message ids in one read/ack. */
export const MAX_IDS = 1000;
/** A subject: one line of at most this many UTF-8 bytes. */
export const MAX_SUBJECT_BYTES = 1024;
/** `--idempotency-key` length. */
export const MAX_IDEMPOTENCY_KEY = 200;
/** Metadata, serialised as JSON. */
export const MAX_META_BYTES = 16 * 1024;
/** Rows one listing (inbox, history, search, dead) returns at most. */
export const MAX_LIST = 10_000;
/** Audit records one `audit` returns at most. */
export const MAX_AUDIT_LIST = 100_000;
/** History lines an attach may ask for. */
export const MAX_ATTACH_HISTORY = 1_000_000;
/** Durations on the wire, in ms: up to ~24.8 days (a 32-bit timer). */
export const MAX_WAIT_MS = 2 ** 31 - 1;
/** A TTL: ten years. */
export const MAX_TTL_MS = 10 * 365 * 86_400_000;
/** Epoch milliseconds accepted as a `since` bound. */
export const MAX_EPOCH_MS = 8.64e15;

/** The most `type` writes in one request (text, keys and Enter, as UTF-8): past it, refused (exit 6). */
export const TYPE_MAX_BYTES = 1024 * 1024;
