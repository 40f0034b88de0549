/** The tests drive the real compiled binary; build it once if it is missing or older than src/. */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const bin = join(root, "dist", "maestro");
  let built = 0;
  try {
    built = statSync(bin).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newest(join(root, "src"))) {
    execFileSync(process.execPath, [join(root, "scripts", "build.ts")], { stdio: "inherit" });
  }
}
