import { ask } from "../cli/client.ts";
import { err, out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseDuration } from "../protocol/duration.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "web",
    description:
      "Make the running daemon serve the web gateway (HTTP API and the maestro.v1 WebSocket; default 127.0.0.1:7681, or [web] listen) and print a one-time login URL (5 minutes, single use). Operator only.",
    examples: [
      "maestro web                          # listen on 127.0.0.1:7681; prints the login URL",
      "maestro web --json                   # {\"url\", \"listen\", \"expires_at\", \"tls\"}",
      "maestro web --listen 127.0.0.1:0     # a free port",
      "maestro web share w1 --ttl 1h        # a read-only link to session w1",
      "maestro web --api-token              # the operator's bearer token for POST /api/v1/<request>",
      "maestro web --revoke                 # every browser login and share link ends now",
      "maestro web --stop",
    ],
  },
  args: {
    action: { type: "positional", required: false, description: "share" },
    session: { type: "positional", required: false, description: "The session to share (with share)" },
    listen: { type: "string", description: "ADDR:PORT to listen on; non-loopback needs [web] tls_cert and tls_key" },
    open: { type: "boolean", description: "Open the login URL in a browser (xdg-open/open), if there is one" },
    json: { type: "boolean", description: "Print one JSON object" },
    stop: { type: "boolean", description: "Stop listening; every browser login ends" },
    revoke: { type: "boolean", description: "End every browser login and share link" },
    "api-token": { type: "boolean", description: "Issue the operator's HTTP API bearer token (shown once)" },
    rotate: { type: "boolean", description: "With --api-token: replace the existing token" },
    "read-only": { type: "boolean", description: "With share: the link can only watch (the default)" },
    write: { type: "boolean", description: "With share: the link may also type into that one session" },
    ttl: { type: "string", description: "With share: how long the link works (default 1h), e.g. 30m, 8h" },
  },
  async run({ args }) {
    const modes = [args.stop && "--stop", args.revoke && "--revoke", args["api-token"] && "--api-token", args.action && args.action].filter(Boolean);
    if (modes.length > 1) throw new MaestroError("usage", `web: choose one of ${modes.join(", ")}`);
    if (args.action !== undefined && args.action !== "share") throw new MaestroError("usage", `web: unknown action "${args.action}"; the only one is share (maestro web share SESSION)`);
    if (args.action !== "share" && (args["read-only"] || args.write || args.ttl !== undefined)) throw new MaestroError("usage", "web: --read-only, --write and --ttl go with share (maestro web share SESSION)");
    if (args.rotate && !args["api-token"]) throw new MaestroError("usage", "web: --rotate goes with --api-token");
    if (args.action === "share") return share(args.session, Boolean(args.write), Boolean(args["read-only"]), args.ttl, Boolean(args.json));
    if (args.session !== undefined) throw new MaestroError("usage", `web: unexpected argument "${args.session}"`);
    if (args.stop) {
      const r = await ask("web.stop", {});
      if (args.json) return printJson(r);
      return void (r.stopped ? out(`stopped listening on ${r.listen}\n`) : err("the web gateway was not listening\n"));
    }
    if (args.revoke) {
      const r = await ask("web.revoke", {});
      if (args.json) return printJson(r);
      return void out(`revoked ${r.logins} browser login${r.logins === 1 ? "" : "s"} and ${r.shares} share link${r.shares === 1 ? "" : "s"}\n`);
    }
    if (args["api-token"]) {
      const r = await ask("web.token", { rotate: Boolean(args.rotate) });
      if (args.json) return printJson(r);
      return void out(`${r.rotated ? "rotated" : "issued"} the web API token (shown only now):\n${r.token}\nuse it as: Authorization: Bearer <token>\n`);
    }
    const r = await ask("web.start", args.listen !== undefined ? { listen: args.listen } : {});
    if (args.json) printJson(r);
    else out(`listening on ${r.listen}${r.tls ? " (TLS)" : ""}; log in within 5 minutes (single use):\n${r.url}\n`);
    if (args.open) await openUrl(r.url);
  },
});

async function share(session: string | undefined, write: boolean, readOnly: boolean, ttl: string | undefined, json: boolean): Promise<void> {
  if (!session) throw new MaestroError("usage", "web share: name the session (maestro web share SESSION)");
  if (write && readOnly) throw new MaestroError("usage", "web share: choose one of --read-only and --write");
  const r = await ask("web.share", { session, read_only: !write, ...(ttl !== undefined ? { ttl_ms: parseDuration(ttl, "--ttl") } : {}) });
  if (json) return printJson(r);
  out(`a ${r.read_only ? "read-only" : "read-write"} link to ${r.session}, until ${r.expires_at}:\n${r.url}\n`);
}

/** A browser opener if there is one; otherwise the printed URL is the way in. */
async function openUrl(url: string): Promise<void> {
  const opener = Bun.which("xdg-open") ?? Bun.which("open");
  if (!opener) return void err("no xdg-open or open here: open the URL above yourself\n");
  const p = Bun.spawn([opener, url], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  p.unref();
}
