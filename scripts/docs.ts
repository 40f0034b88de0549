/** `npm run docs`: rewrites the generated parts of docs/protocol.md and docs/cli.md (see docs-tables.ts). */
import { join } from "node:path";
import { generatedDocs } from "./docs-tables.ts";

const root = join(import.meta.dirname, "..");
for (const [path, text] of Object.entries(await generatedDocs(root))) {
  const full = join(root, path);
  if ((await Bun.file(full).text()) !== text) {
    await Bun.write(full, text);
    console.log(`updated ${path}`);
  }
}
