/**
 * The bench's shared helpers, one import for rows. Each lives in its own small module under lib/:
 * types and verdicts, cleanup scopes, processes, statistics, and one module per program we drive.
 */
export * from "./lib/types.ts";
export * from "./lib/scope.ts";
export * from "./lib/proc.ts";
export * from "./lib/stats.ts";
export * from "./lib/measure.ts";
export * from "./lib/tempdir.ts";
export * from "./lib/bunfloor.ts";
export * from "./lib/peers.ts";
export * from "./lib/maestro.ts";
export * from "./lib/tmux.ts";
export * from "./lib/dtach.ts";
export * from "./lib/redis.ts";
export * from "./lib/procfs.ts";
export * from "./lib/report.ts";
export * from "./lib/ptyclient.ts";
export * from "./lib/wsclient.ts";
export * from "./lib/flood.ts";
export * from "./lib/relay-floor.ts";
export * from "./lib/xadd.ts";
