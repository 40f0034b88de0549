/** How verbs talk to people and scripts: one-line errors on stderr, JSON on stdout. */
import { out } from "./io.ts";
import { EXIT, MaestroError, type ExitCode } from "../protocol/errors.ts";

export function printJson(value: unknown): void {
  out(`${JSON.stringify(value)}\n`);
}

/** Prints `key: value` lines with the keys aligned. */
export function printFields(fields: [string, string | number][]): void {
  // Plain loops: `status` prints this at start-up, where each array builtin's first call costs.
  let width = 0;
  for (const [k] of fields) width = Math.max(width, k.length);
  let text = "";
  for (const [k, v] of fields) text += `${k.padEnd(width)}  ${v}\n`;
  out(text);
}

/** The one line a failed verb prints, and the exit code it ends with. */
export function describeFailure(err: unknown): { line: string; exit: ExitCode } {
  if (err instanceof MaestroError) return { line: `maestro: ${err.message}`, exit: err.exitCode };
  const e = err as { code?: string; name?: string; message?: string };
  if (e?.name === "CLIError") {
    const msg = Bun.stripANSI(e.message ?? "");
    return { line: `maestro: ${msg}; see \`maestro --help\``, exit: EXIT.usage };
  }
  if (e?.code === "EACCES" || e?.code === "EPERM") return { line: `maestro: ${e.message}`, exit: EXIT.refused };
  return { line: `maestro: internal error: ${e?.message ?? String(err)}`, exit: EXIT.error };
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  // Not filter(Boolean): `status` formats this at start-up, where that builtin's first call costs.
  return `${d ? `${d}d ` : ""}${d || h ? `${h}h ` : ""}${d || h || m ? `${m}m ` : ""}${s}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(1)} ${units[i]}`;
}
