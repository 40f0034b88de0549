/** Durations on the command line: `500ms`, `2s`, `1.5m`, `1h`; a bare number is seconds. */
import { MaestroError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? "s"]! : NaN;
  if (!Number.isFinite(ms) || ms > 2 ** 31 - 1) {
    throw new MaestroError("usage", `${flag}: "${text}" is not a duration; use e.g. 500ms, 2s, 5m, 1h`);
  }
  return Math.round(ms);
}
