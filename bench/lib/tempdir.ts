/** Temporary directories under /tmp with short names: Unix socket paths must fit in 107 bytes. */
import { mkdtempSync, rmSync } from "node:fs";
import type { Scope } from "./scope.ts";

export function tempDir(scope: Scope, prefix: string): string {
  const dir = mkdtempSync(`/tmp/${prefix}-`);
  scope.defer(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
