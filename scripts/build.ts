/**
 * Compiles maestro into one executable, dist/maestro. Every `maestro send` pays start-up, so:
 * bytecode (no parsing at run time), and code splitting, so a client verb loads its own chunk and
 * never the daemon's (SQLite, consola) — about half the start-up time.
 * First the dashboard's browser bundle (src/web/ui/app/, xterm.js included) is built into
 * dist/ui/, which src/web/ui/assets.ts embeds as text.
 */
import { $ } from "bun";
import { mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMPILE_FLAGS } from "./compile-flags.ts";

const root = join(import.meta.dir, "..");
const out = join(root, "dist", "maestro");
mkdirSync(join(root, "dist", "ui"), { recursive: true });
const t0 = performance.now();

const ui = await Bun.build({ entrypoints: [join(root, "src/web/ui/app/main.ts")], target: "browser", format: "esm", minify: true });
if (!ui.success) {
  for (const log of ui.logs) console.error(log);
  throw new Error("the dashboard bundle failed to build");
}
const kinds = new Map(ui.outputs.map((o) => [o.path.endsWith(".css") ? "css" : o.kind === "entry-point" ? "js" : o.path, o]));
if (!kinds.has("js") || !kinds.has("css") || kinds.size !== 2) throw new Error(`the dashboard bundle should be one .js and one .css, not ${ui.outputs.map((o) => o.path).join(", ")}`);
for (const k of ["js", "css"] as const) writeFileSync(join(root, "dist", "ui", `app.${k}.txt`), await kinds.get(k)!.text());

// Build beside the target and rename: a test running the old binary never sees a half-written one.
const tmp = `${out}.${process.pid}.tmp`;
// Worker threads are entry points of their own (see src/workers/path.ts).
const workers = readdirSync(join(root, "src/workers")).filter((f) => f.endsWith(".ts") && f !== "path.ts");
const entries = [join(root, "src/main.ts"), ...workers.map((f) => join(root, "src/workers", f))];
await $`bun build ${COMPILE_FLAGS} ${entries} --outfile ${tmp}`.quiet();
renameSync(tmp, out);
console.log(`built ${out} in ${Math.round(performance.now() - t0)} ms`);
