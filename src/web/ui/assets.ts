/**
 * The dashboard's files, embedded in the executable: scripts/build.ts bundles src/web/ui/app/
 * with Bun.build (xterm.js included) into dist/ui/ before compiling, and these text imports put
 * the results inside the binary. Nothing is fetched from anywhere else at run time.
 */
import css from "../../../dist/ui/app.css.txt" with { type: "text" };
import js from "../../../dist/ui/app.js.txt" with { type: "text" };

export const ASSETS: Record<string, { body: string; type: string }> = {
  "/assets/app.js": { body: js, type: "text/javascript; charset=utf-8" },
  "/assets/app.css": { body: css, type: "text/css; charset=utf-8" },
};
