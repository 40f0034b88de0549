/**
 * Size-based rotation for the daemon's log and sessions' logs: `x.log` becomes `x.log.1`, `.1`
 * becomes `.2`, … and the oldest past `keep` is deleted, so a home holds at most
 * `(keep + 1) × max_bytes` (plus one write) of each log, however long the daemon runs.
 */
import { renameSync, rmSync } from "node:fs";

export interface Rotation {
  max_bytes: number;
  keep: number;
}

export const DEFAULT_ROTATION: Rotation = { max_bytes: 10 * 1024 * 1024, keep: 3 };

/** Shifts `path` to `path.1` and the older ones up by one, dropping the one past `keep`. */
export function rotateFiles(path: string, keep: number): void {
  rmSync(keep > 0 ? `${path}.${keep}` : path, { force: true });
  for (let i = keep - 1; i >= 0; i--) {
    try {
      renameSync(i === 0 ? path : `${path}.${i}`, `${path}.${i + 1}`);
    } catch {
      // that generation does not exist (yet)
    }
  }
}

/** True when appending `incoming` bytes to a file of `size` would cross the limit. */
export function mustRotate(size: number, incoming: number, r: Rotation): boolean {
  return size > 0 && size + incoming > r.max_bytes;
}
