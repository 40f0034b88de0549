import { out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { EXIT } from "../protocol/errors.ts";
import { resolvePaths } from "../protocol/paths.ts";

export default defineVerb({
  meta: {
    name: "doctor",
    description: "Check the home, socket, daemon version, config, store, disk and leftover processes, and say what to do; never starts a daemon. Exit 1 if any check fails",
    examples: ["maestro doctor", "maestro doctor --json | jq '.checks[] | select(.status != \"ok\")'"],
  },
  args: {
    json: { type: "boolean", description: "Print one JSON object: {ok, checks: [{name, status, detail, fix}]}" },
  },
  async run({ args }) {
    const { runDoctor } = await import("../client/doctor.ts");
    const checks = await runDoctor(resolvePaths());
    const failed = checks.some((c) => c.status === "fail");
    if (failed) process.exitCode = EXIT.error;
    if (args.json) return printJson({ ok: !failed, checks });
    const width = Math.max(...checks.map((c) => c.name.length));
    for (const c of checks) {
      out(`${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}\n`);
      if (c.fix) out(`${" ".repeat(width + 8)}→ ${c.fix}\n`);
    }
  },
});
