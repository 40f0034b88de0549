/**
 * From measured cells to a verdict and a table. The ratio is always maestro / peer; the row's
 * target says which way is better, so a time and a rate are judged by the same code.
 */
import type { Cell, Measured, Row, RowResult, Target } from "./types.ts";

export function targetText(t: Target): string {
  const op = t.better === "lower" ? "≤" : "≥";
  if (t.absolute !== undefined) return `${op} ${formatNumber(t.absolute)} ${t.unit} (absolute)`;
  return `${op} ${t.ratio.toFixed(1)}× (${t.better} is better)`;
}

export function judge(row: Row, measured: Measured): RowResult {
  const { maestro, peer } = measured;
  const comparable = maestro.kind === "value" && peer.kind === "value" && maestro.unit === peer.unit && peer.value > 0;
  const ratio = comparable ? maestro.value / peer.value : null;
  const t = row.target;
  const within = (value: number, bound: number) => (t.better === "lower" ? value <= bound : value >= bound);
  let met: boolean | null = null;
  if (t.absolute !== undefined) {
    met = maestro.kind === "value" && maestro.unit === t.unit ? within(maestro.value, t.absolute) : null;
  } else if (ratio !== null) {
    met = within(ratio, t.ratio);
  }
  return { id: row.id, figure: row.figure, maestro, peer, ratio, target: targetText(t), met };
}

/** A row that could not be measured at all: the reason stands in both cells. */
export function unmeasured(row: Row, reason: string): RowResult {
  const cell: Cell = { kind: "missing", reason };
  return { id: row.id, figure: row.figure, maestro: cell, peer: cell, ratio: null, target: targetText(row.target), met: null, error: reason };
}

/** Three significant digits, thousands grouped: 0.0123, 1.23, 12.3, 45,678. */
export function formatNumber(v: number): string {
  if (v === 0) return "0";
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v))));
  return v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatCell(c: Cell): string {
  if (c.kind === "missing") return c.reason;
  return `${formatNumber(c.value)} ${c.unit}${c.detail ? ` (${c.detail})` : ""}`;
}

export function renderTable(results: RowResult[]): string {
  const header = ["figure", "maestro", "peer", "ratio", "target", "met?"];
  const rows = results.map((r) => [
    r.figure,
    formatCell(r.maestro),
    r.error ? "—" : formatCell(r.peer),
    r.ratio === null ? "—" : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.met === null ? "n/a" : r.met ? "yes" : "no",
  ]);
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(" | ")} |`;
  return [line(header), `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
