import { out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { EXIT, MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "service",
    description: "Run the daemon as a service: a systemd user unit (Linux) or a launchd agent (macOS) for this MAESTRO_HOME, restarted on failure",
    examples: ["maestro service install", "maestro service install --print   # show the unit, install nothing", "maestro service status --json", "maestro service uninstall"],
  },
  args: {
    action: { type: "positional", required: false, description: "install | uninstall | status" },
    print: { type: "boolean", description: "With install: print the unit (or plist) and where it would go; change nothing" },
    json: { type: "boolean", description: "Print one JSON object" },
  },
  async run({ args }) {
    const svc = await import("../client/service.ts");
    const action = args.action;
    if (action !== "install" && action !== "uninstall" && action !== "status") {
      throw new MaestroError("usage", `service: ${action === undefined ? "name an action" : `unknown action "${action}"`}; expected install, uninstall or status`);
    }
    if (args.print && action !== "install") throw new MaestroError("usage", "service: --print goes with install");
    const m = svc.manager();
    const target = svc.currentTarget();
    if (args.print) {
      const { file, text } = svc.unitFor(m, target);
      if (args.json) return printJson({ manager: m, file, text });
      out(`# ${file}\n${text}`);
      return;
    }
    const r = action === "install" ? svc.install(m, target) : action === "uninstall" ? svc.uninstall(m, target) : svc.status(m, target);
    if (action === "status" && !r.installed) process.exitCode = EXIT.notFound;
    if (args.json) return printJson(r);
    if (action === "install") {
      out(`${r.changed ? "wrote" : "unchanged:"} ${r.file}\n`);
      for (const c of r.ran) out(`ran: ${c}\n`);
      out(`${r.name} is enabled and running ${target.binary} daemon for ${target.home}\n`);
    } else if (action === "uninstall") {
      for (const c of r.ran) out(`ran: ${c}\n`);
      out(r.ran.length > 0 ? `removed ${r.file}\n` : `${r.name} is not installed (${r.file}); nothing to do\n`);
    } else {
      out(`${r.name}: ${r.installed ? "installed" : "not installed"} (${r.file})\n`);
      if (r.installed) {
        if (r.enabled !== undefined) out(`enabled: ${r.enabled ? "yes" : "no"}\nrunning: ${r.running ? "yes" : "no"}\n`);
        if (r.binary) out(`binary: ${r.binary}\n`);
      }
    }
    for (const n of r.notes) out(`note: ${n}\n`);
  },
});
