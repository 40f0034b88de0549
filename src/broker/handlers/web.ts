/** The web gateway's requests: listen and log in, stop, revoke, share a session, the API token. */
import { MaestroError } from "../../protocol/errors.ts";
import type { CheckedArgs } from "../../protocol/requests.ts";
import type { Handler } from "../types.ts";
import { startWeb, stopWeb } from "../web.ts";

export const webStart: Handler<"web.start"> = async ({ broker, client }, raw) => {
  const args = raw as CheckedArgs<"web.start">;
  const g = await startWeb(broker, args.listen);
  const { url, expiresAt } = g.login();
  broker.audit.record(client.identity.name, "web.start", g.listen, "ok", "login code issued");
  return { url, listen: g.listen, expires_at: new Date(expiresAt).toISOString(), tls: g.tls };
};

export const webStop: Handler<"web.stop"> = ({ broker, client }) => {
  const listen = stopWeb(broker);
  if (listen !== null) broker.audit.record(client.identity.name, "web.stop", listen, "ok");
  return { stopped: listen !== null, listen };
};

export const webRevoke: Handler<"web.revoke"> = ({ broker, client }) => {
  const ended = broker.web.gateway?.revoke() ?? { logins: 0, shares: 0 };
  broker.audit.record(client.identity.name, "web.revoke", "", "ok", `${ended.logins} logins, ${ended.shares} share links`);
  return ended;
};

export const webShare: Handler<"web.share"> = ({ broker, client }, raw) => {
  const args = raw as CheckedArgs<"web.share">;
  const g = broker.web.gateway;
  if (!g) throw new MaestroError("unavailable", "the web gateway is not listening: run `maestro web` first");
  const session = broker.sessions.get(args.session);
  const readOnly = args.read_only ?? true;
  const s = g.share(session.name, readOnly, args.ttl_ms);
  broker.audit.record(client.identity.name, "web.share", session.name, "ok", `share:${s.id}${readOnly ? " read-only" : " read-write"} until ${new Date(s.expiresAt).toISOString()}`);
  return { url: s.url, session: session.name, read_only: readOnly, expires_at: new Date(s.expiresAt).toISOString() };
};

export const webToken: Handler<"web.token"> = async ({ broker, client }, raw) => {
  const args = raw as CheckedArgs<"web.token">;
  const { issueApiToken } = await import("../../web/api-token.ts");
  const r = issueApiToken(broker.paths.home, args.rotate === true);
  broker.audit.record(client.identity.name, "web.token", "", "ok", r.rotated ? "rotated" : "issued");
  return r;
};
