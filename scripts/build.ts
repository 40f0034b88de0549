/**
 * Compiles maestro into one executable, dist/maestro. Every `maestro send` pays start-up, so:
 * bytecode (no parsing at run time), and code splitting, so a client verb loads its own chunk and
 * never the daemon's (SQLite, consola) — about half the start-up time.
 */
import { $ } from "bun";
import { mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const out = join(root, "dist", "maestro");
mkdirSync(join(root, "dist"), { recursive: true });
const t0 = performance.now();
// Build beside the target and rename: a test running the old binary never sees a half-written one.
const tmp = `${out}.${process.pid}.tmp`;
// Worker threads are entry points of their own (see src/workers/path.ts).
const workers = readdirSync(join(root, "src/workers")).filter((f) => f.endsWith(".ts") && f !== "path.ts");
const entries = [join(root, "src/main.ts"), ...workers.map((f) => join(root, "src/workers", f))];
await $`bun build --compile --minify --format=esm --bytecode --splitting ${entries} --outfile ${tmp}`.quiet();
renameSync(tmp, out);
console.log(`built ${out} in ${Math.round(performance.now() - t0)} ms`);
