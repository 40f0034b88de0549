/**
 * Where a worker's entry point is, from source and inside the compiled binary alike: entry points
 * keep their place relative to src/ (the build lists every file in src/workers/ as an entry), and
 * Bun.main is src/main.ts or /$bunfs/root/maestro. import.meta.url would not do: code splitting
 * moves the calling module into a chunk at the root.
 */
import { dirname, join } from "node:path";

export function workerPath(name: string): string {
  return join(dirname(Bun.main), "workers", `${name}.ts`);
}
