/** Durations as people write them: 500ms, 30s, 10m, 2h, 7d; a bare number is seconds. */
import { MaestroError } from "./errors.ts";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new MaestroError("usage", `${flag}: invalid duration "${text}"; use e.g. 500ms, 30s, 10m, 2h, 7d`);
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? "s"]!);
  if (ms <= 0) throw new MaestroError("usage", `${flag}: duration must be greater than zero`);
  if (ms > 10 * 365 * UNITS.d!) throw new MaestroError("usage", `${flag}: duration "${text}" is over ten years`);
  return ms;
}

/** `--since`: a duration ago, or an ISO 8601 timestamp. Returns epoch milliseconds. */
export function parseSince(text: string, now = Date.now()): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new MaestroError("usage", `--since: invalid timestamp "${text}"`);
    return t;
  }
  return now - parseDuration(text, "--since");
}
