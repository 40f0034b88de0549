/**
 * The shapes every row shares. A row measures two cells; the harness, not the row, turns them into
 * a ratio and a verdict, so the direction of "better" is declared once per row (in its target) and
 * judged the same way everywhere.
 */
import type { Peer } from "./peers.ts";
import type { Scope } from "./scope.ts";

/** One measured figure, or the honest reason there is none. */
export type Cell =
  | { kind: "value"; value: number; unit: string; /** extra context shown after the value */ detail?: string }
  | { kind: "missing"; reason: string };

/**
 * `lower`: maestro/peer must be at most `ratio` (times). `higher`: at least `ratio` (rates).
 * A figure with no peer (SPEC §9: "p99 ≤ 1 ms") has an `absolute` bound on maestro's own value
 * instead, in the cell's unit.
 */
export type Target =
  | { better: "lower" | "higher"; ratio: number; absolute?: undefined }
  | { better: "lower" | "higher"; absolute: number; unit: string; ratio?: undefined };

export interface RowContext {
  /** Fewer iterations: a smoke check, not a measurement to quote. */
  quick: boolean;
  /** Everything a row starts registers its cleanup here; the harness closes it after the row. */
  scope: Scope;
  /** Progress notes (stderr), so stdout stays the table or the JSON. */
  log: (line: string) => void;
}

export interface Measured {
  maestro: Cell;
  peer: Cell;
}

export interface Row {
  id: string;
  /** What is measured, as the table's first column says it. */
  figure: string;
  /** The peer's name as shown when it is missing. */
  peer: string;
  /** Commands that must be on PATH for the row to run. */
  needs: Peer[];
  target: Target;
  run(ctx: RowContext): Promise<Measured>;
}

export interface RowResult {
  id: string;
  figure: string;
  maestro: Cell;
  peer: Cell;
  /** maestro / peer, when both cells hold values in the same unit. */
  ratio: number | null;
  target: string;
  /** null when there is no ratio to judge. */
  met: boolean | null;
  /** Set when the row did not run or failed: the reason, shown in place of the cells. */
  error?: string;
}
