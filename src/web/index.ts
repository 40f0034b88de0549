/**
 * The web gateway (loaded only when the daemon is asked to listen): one Bun.serve for HTTP and
 * the `maestro.v1` WebSocket. Every request passes the same doors first — its Host must be this
 * server (DNS rebinding), its Origin, when it could change anything, this server's own (other
 * sites in the same browser), and its address under `web.max_connections_per_ip` — then
 * authenticates: a bearer token, or the browser's login cookie.
 */
import type { Server } from "bun";
import { readFileSync } from "node:fs";
import type { Broker } from "../broker/types.ts";
import { metricsText } from "../broker/handlers/metrics.ts";
import { ERROR_EXIT, MaestroError } from "../protocol/errors.ts";
import { WS_PATH, WS_SUBPROTOCOL } from "../protocol/web.ts";
import { errorResponse, runApi } from "./api.ts";
import { DEFAULT_SHARE_MS, Grants, type Grant } from "./grants.ts";
import { Doors, firstThisSecond, PerAddress, SECURITY_HEADERS } from "./guard.ts";
import type { ListenAddress } from "../protocol/listen.ts";
import { COOKIE, cookieValue, fromGrant, fromToken, type Principal } from "./principal.ts";
import { ASSETS } from "./ui/assets.ts";
import { dashboardPage, loginNeededPage } from "./ui/page.ts";
import { WsClient, type WsData } from "./ws.ts";

export interface GatewayOptions {
  addr: ListenAddress;
  /** What was asked for (port 0 included), to tell a second `maestro web --listen` apart. */
  requested: string;
}

export class Gateway {
  private readonly server: Server<WsData>;
  private readonly grants = new Grants();
  private readonly doors: Doors;
  private readonly perAddress: PerAddress;
  private readonly sockets = new Set<WsClient>();
  readonly tls: boolean;
  readonly requested: string;

  constructor(
    private readonly broker: Broker,
    opts: GatewayOptions,
  ) {
    const web = broker.config.web;
    this.requested = opts.requested;
    this.tls = Boolean(web.tls_cert && web.tls_key);
    this.perAddress = new PerAddress(web.max_connections_per_ip);
    const tls = this.tls ? { cert: readPem(web.tls_cert, "tls_cert"), key: readPem(web.tls_key, "tls_key") } : undefined;
    try {
      this.server = Bun.serve<WsData>({
        hostname: opts.addr.host,
        port: opts.addr.port,
        ...(tls ? { tls } : {}),
        // Bodies are capped (and answered in JSON) by api.ts; this is the backstop.
        maxRequestBodySize: 64 * 1024 * 1024,
        fetch: (req, server) => this.fetch(req, server),
        error: (err) => {
          broker.log.error("web request failed", err);
          return Response.json({ code: "internal", message: `internal error: ${err.message}`, exit: 1 }, { status: 500, headers: SECURITY_HEADERS });
        },
        websocket: {
          // Frames larger than a keystroke frame may be are read so they can be refused in words (ws.ts).
          maxPayloadLength: 16 * 1024 * 1024,
          backpressureLimit: Math.max(4 * web.window_bytes, broker.config.sessions.high_water_bytes * 2),
          closeOnBackpressureLimit: true,
          idleTimeout: 0,
          sendPings: true,
          perMessageDeflate: false,
          open: (ws) => {
            if (ws.data.refused) {
              const e = ws.data.refused;
              ws.send(JSON.stringify({ type: "error", code: e.code, message: e.message, exit: ERROR_EXIT[e.code], fatal: true }));
              ws.close(1008, "web.max_connections_per_ip");
              return;
            }
            ws.data.client = new WsClient(ws, {
              broker,
              grants: this.grants,
              windowBytes: web.window_bytes,
              onClose: (c) => {
                this.sockets.delete(c);
                this.perAddress.release(c.ip);
              },
            });
            this.sockets.add(ws.data.client);
          },
          message: (ws, msg) => ws.data.client?.onMessage(typeof msg === "string" ? msg : new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)),
          drain: (ws) => ws.data.client?.onDrain(),
          close: (ws) => ws.data.client?.onClose(),
        },
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "EADDRINUSE" || /in use/i.test(e.message)) {
        throw new MaestroError("unavailable", `cannot listen on ${opts.requested}: the address is in use (another program, or another maestro home); pick another with --listen`);
      }
      throw new MaestroError("unavailable", `cannot listen on ${opts.requested}: ${e.message}`);
    }
    this.doors = new Doors(opts.addr, this.server.port!, this.tls, web.hosts);
  }

  /** The address listened on, port resolved. */
  get listen(): string {
    const host = this.server.hostname ?? "";
    return `${host.includes(":") ? `[${host}]` : host}:${this.server.port}`;
  }

  get origin(): string {
    return this.doors.origin;
  }

  login(): { url: string; expiresAt: number } {
    const { code, expiresAt } = this.grants.issueCode(this.broker.config.web.login_code_ms);
    return { url: `${this.origin}/login?code=${code}`, expiresAt };
  }

  share(session: string, readOnly: boolean, ttlMs = DEFAULT_SHARE_MS): { url: string; expiresAt: number; id: string } {
    const { token, share } = this.grants.issueShare(session, readOnly, ttlMs);
    return { url: `${this.origin}/share/${token}`, expiresAt: share.expiresAt, id: share.id };
  }

  /** Ends every browser login and share link; their WebSockets close. */
  revoke(): { logins: number; shares: number } {
    const ended = this.grants.revoke();
    for (const c of [...this.sockets]) if (c.webLogin) c.close(1008, "logins revoked (maestro web --revoke)");
    return ended;
  }

  stop(): void {
    for (const c of [...this.sockets]) c.close(1001, "the web gateway stopped");
    this.grants.revoke();
    this.server.stop(true);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...SECURITY_HEADERS, ...extra };
  }

  private refuse(ip: string, action: string, target: string, err: MaestroError): Response {
    const { broker } = this;
    if (err.code === "unauthorized") broker.metrics.counters.auth_failures++;
    if (firstThisSecond(`${ip} ${action} ${err.message}`)) broker.audit.record(`web ${ip}`, action, target, "denied", err.message);
    return errorResponse(err, this.headers());
  }

  private async fetch(req: Request, server: Server<WsData>): Promise<Response | undefined> {
    const ip = server.requestIP(req)?.address ?? "unknown";
    const url = new URL(req.url);
    const host = req.headers.get("host");
    if (!this.doors.hostAllowed(host)) {
      return this.refuse(ip, "web.host", url.pathname, new MaestroError("forbidden", `Host ${JSON.stringify(host ?? "")} is not this server (${this.origin}); refused (a DNS-rebinding page would send its own name)`));
    }
    const origin = req.headers.get("origin");
    const changing = req.method !== "GET" && req.method !== "HEAD";
    const upgrade = url.pathname === WS_PATH;
    if (origin !== null && (changing || upgrade) && !this.doors.originAllowed(origin)) {
      return this.refuse(ip, "web.origin", url.pathname, new MaestroError("forbidden", `Origin ${JSON.stringify(origin)} is not this server (${this.origin}); refused (another web site may not drive maestro)`));
    }
    if (!this.perAddress.take(ip)) {
      const over = new MaestroError("rate_limited", `${ip} already has ${this.broker.config.web.max_connections_per_ip} connections and requests open (web.max_connections_per_ip); close some and retry`, { limit: "web.max_connections_per_ip" });
      // A WebSocket client is told in its own protocol: upgraded, sent the error, closed.
      if (upgrade && req.headers.get("upgrade")?.toLowerCase() === "websocket") {
        if (firstThisSecond(`${ip} connect cap`)) this.broker.audit.record(`web ${ip}`, "connect", "web.max_connections_per_ip", "denied", over.message);
        if (server.upgrade(req, { data: { ip, cookie: undefined, refused: over }, headers: { "sec-websocket-protocol": WS_SUBPROTOCOL } })) return undefined;
      }
      return this.refuse(ip, "connect", "web.max_connections_per_ip", new MaestroError("rate_limited", `${ip} already has ${this.broker.config.web.max_connections_per_ip} connections and requests open (web.max_connections_per_ip); close some and retry`, { limit: "web.max_connections_per_ip" }));
    }
    let held = true;
    try {
      if (upgrade) {
        const r = this.upgrade(req, server, ip);
        if (r === undefined) held = false; // the WebSocket holds the slot now; released on close
        return r;
      }
      return await this.route(req, url, ip, origin, changing);
    } finally {
      if (held) this.perAddress.release(ip);
    }
  }

  private upgrade(req: Request, server: Server<WsData>, ip: string): Response | undefined {
    const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(new MaestroError("usage", `${WS_PATH} is the maestro.v1 WebSocket: connect with a WebSocket client`), this.headers());
    }
    if (!protocols.includes(WS_SUBPROTOCOL)) {
      return errorResponse(new MaestroError("usage", `the WebSocket at ${WS_PATH} speaks the subprotocol ${WS_SUBPROTOCOL}: ask for it (Sec-WebSocket-Protocol: ${WS_SUBPROTOCOL})`), this.headers());
    }
    const grant = this.cookieGrant(req);
    const data: WsData = { ip, cookie: grant ? fromGrant(grant) : undefined };
    if (server.upgrade(req, { data, headers: { "sec-websocket-protocol": WS_SUBPROTOCOL } })) return undefined;
    return errorResponse(new MaestroError("usage", "the WebSocket upgrade failed"), this.headers());
  }

  private cookieGrant(req: Request): Grant | undefined {
    const v = cookieValue(req.headers.get("cookie"));
    return v === undefined ? undefined : this.grants.cookie(v);
  }

  /** Bearer token first (a script), then the login cookie (a browser); a state change by cookie needs a matching Origin. */
  private principal(req: Request, ip: string, changing: boolean, origin: string | null): Principal | Response {
    const auth = req.headers.get("authorization");
    if (auth !== null) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      try {
        if (!m) throw new MaestroError("unauthorized", "the Authorization header must be `Bearer <token>`");
        return fromToken(this.broker, this.grants, m[1]!);
      } catch (err) {
        return this.refuse(ip, "auth", "", err as MaestroError);
      }
    }
    const grant = this.cookieGrant(req);
    if (!grant) {
      const had = cookieValue(req.headers.get("cookie")) !== undefined;
      return this.refuse(
        ip,
        "auth",
        "",
        new MaestroError("unauthorized", had ? "this login has ended (revoked, expired, or the gateway restarted): run `maestro web` for a new login URL" : "not logged in: open the URL `maestro web` prints, or send Authorization: Bearer <token> (`maestro web --api-token`)"),
      );
    }
    if (changing && origin === null) {
      return this.refuse(ip, "web.origin", new URL(req.url).pathname, new MaestroError("forbidden", "a request authenticated by the login cookie must carry this server's Origin"));
    }
    return fromGrant(grant);
  }

  private async route(req: Request, url: URL, ip: string, origin: string | null, changing: boolean): Promise<Response> {
    const path = url.pathname;
    if (path.startsWith("/api/v1/")) {
      if (req.method !== "POST") return errorResponse(new MaestroError("usage", `${path}: use POST with the request's JSON arguments as the body`), this.headers({ allow: "POST" }));
      const p = this.principal(req, ip, changing, origin);
      if (p instanceof Response) return p;
      if (p.kind === "share") return this.refuse(ip, "auth", path, new MaestroError("forbidden", `a share link can watch session "${p.share.session}" and nothing else: the HTTP API is not for it`));
      return runApi(this.broker, p.who, decodeURIComponent(path.slice("/api/v1/".length)), req, this.headers());
    }
    if (req.method !== "GET" && req.method !== "HEAD") return errorResponse(new MaestroError("usage", `${req.method} ${path}: not offered (the API is POST /api/v1/<request type>)`), this.headers());
    switch (path) {
      case "/":
        return this.page(req);
      case "/login":
        return this.login_(url, ip);
      case "/metrics":
      case "/activity": {
        const p = this.principal(req, ip, false, origin);
        if (p instanceof Response) return p;
        if (p.kind === "share") return this.refuse(ip, "auth", path, new MaestroError("forbidden", `a share link can watch session "${p.share.session}" and nothing else`));
        if (path === "/metrics") return new Response(metricsText(this.broker), { headers: this.headers({ "content-type": "text/plain; version=0.0.4" }) });
        return Response.json({ sessions: this.activity() }, { headers: this.headers() });
      }
    }
    const asset = ASSETS[path];
    if (asset) return new Response(asset.body, { headers: this.headers({ "content-type": asset.type }) });
    if (path.startsWith("/share/")) return this.redeemShare(path.slice("/share/".length), ip);
    return errorResponse(new MaestroError("not_found", `no such page: ${path}`), this.headers());
  }

  private page(req: Request): Response {
    const g = this.cookieGrant(req);
    // What the page may see comes from its WebSocket's welcome (a share link: one session).
    return new Response(g ? dashboardPage() : loginNeededPage(), { status: g ? 200 : 401, headers: this.headers({ "content-type": "text/html; charset=utf-8" }) });
  }

  private cookieHeader(value: string): string {
    return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${this.tls ? "; Secure" : ""}`;
  }

  /** The one-time code for a cookie, then a redirect that takes the code out of the address bar. */
  private login_(url: URL, ip: string): Response {
    const code = url.searchParams.get("code") ?? "";
    const r = this.grants.redeemCode(code);
    if (!r.ok) {
      const why = { unknown: "is not a login code this server issued", expired: "has expired (codes last 5 minutes)", used: "was already used (each code works once)" }[r.why];
      this.broker.metrics.counters.auth_failures++;
      if (firstThisSecond(`${ip} login ${r.why}`)) this.broker.audit.record(`web ${ip}`, "web.login", "", "denied", `login code ${why}`);
      return this.text(401, `maestro: this login link ${why}. Run \`maestro web\` for a new one.\n`);
    }
    this.broker.audit.record("operator", "web.login", "", "ok", `from ${ip}`);
    return new Response(null, { status: 303, headers: this.headers({ location: "/", "set-cookie": this.cookieHeader(this.grants.issueCookie({ kind: "operator" })) }) });
  }

  private redeemShare(token: string, ip: string): Response {
    const share = this.grants.share(token);
    if (!share) {
      this.broker.metrics.counters.auth_failures++;
      if (firstThisSecond(`${ip} share`)) this.broker.audit.record(`web ${ip}`, "web.share", "", "denied", "a share link that is unknown, expired or revoked");
      return this.text(401, "maestro: this share link is unknown, expired or revoked. Ask for a new one.\n");
    }
    this.broker.audit.record(`share:${share.id}`, "web.share", share.session, "ok", `opened from ${ip}`);
    const location = `/?session=${encodeURIComponent(share.session)}`;
    return new Response(null, { status: 303, headers: this.headers({ location, "set-cookie": this.cookieHeader(this.grants.issueCookie({ kind: "share", share })) }) });
  }

  private text(status: number, body: string): Response {
    return new Response(body, { status, headers: this.headers({ "content-type": "text/plain; charset=utf-8" }) });
  }

  private activity() {
    return this.broker.sessions.list().map((s) => ({
      name: s.name,
      state: s.running ? "running" : "exited",
      pid: s.pid,
      clients: s.clients.size,
      bytes_in: s.bytesIn,
      bytes_out: s.ring.end,
      created_at: new Date(s.createdAt).toISOString(),
      last_activity: new Date(s.lastActivity).toISOString(),
      exit_code: s.running ? null : s.exitCode,
    }));
  }
}

function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new MaestroError("usage", `[web] ${key} ${path}: cannot read it: ${(err as Error).message}`);
  }
}
