/** The web gateway's doors: login codes and cookies, revocation, Host and Origin checks, headers. */
import { afterEach, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { TestHome, waitFor } from "./helpers.ts";
import { api, login, loginUrl, startWeb, WsPeer, type Web } from "./web-helpers.ts";

let w: Web | undefined;
afterEach(async () => {
  await w?.home.cleanup();
  w = undefined;
});

const audit = async (w: Web) => JSON.parse(await w.home.ok(["audit", "--json"])) as { action: string; outcome: string; actor: string; detail: string; target: string }[];

describe("web login", () => {
  test("a one-time code becomes an HttpOnly SameSite=Strict cookie, and the redirect drops the code", async () => {
    w = await startWeb();
    const url = await loginUrl(w.home);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?code=mwc_/);
    const r = await fetch(url, { redirect: "manual" });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/");
    const cookie = r.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^maestro_login=mwl_[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    // The page says the login worked; without the cookie it says how to log in.
    const page = await fetch(`${w.base}/`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<script type="module" src="/assets/app.js">`);
    const anon = await fetch(`${w.base}/`);
    expect(anon.status).toBe(401);
    expect(await anon.text()).toContain("maestro web");
    // Neither the code nor the cookie reaches the audit log or the daemon log.
    const code = new URL(url).searchParams.get("code")!;
    const trail = JSON.stringify(await audit(w)) + (await Bun.file(`${w.home.home}/daemon.log`).text());
    expect(trail).not.toContain(code);
    expect(trail).not.toContain(cookie.split(";")[0]!.split("=")[1]!);
  });

  test("every response carries the strict CSP, nosniff and no-referrer", async () => {
    w = await startWeb();
    for (const path of ["/", "/nope", "/api/v1/status"]) {
      const r = await fetch(`${w.base}${path}`, { headers: { cookie: w.cookie } });
      const csp = r.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      // Inline style attributes only (xterm.js colours 24-bit text with them): never inline script.
      expect(csp).toMatch(/script-src 'self';/);
      expect(csp.replace("style-src-attr 'unsafe-inline'", "")).not.toContain("unsafe-inline");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  test("a wrong, reused or expired code is refused and audited; the daemon keeps serving", async () => {
    w = await startWeb("[web]\nlogin_code_ms = 300\n");
    const wrong = await fetch(`${w.base}/login?code=mwc_nope`, { redirect: "manual" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("is not a login code this server issued");
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const url = await loginUrl(w.home);
    await login(url);
    const reused = await fetch(url, { redirect: "manual" });
    expect(reused.status).toBe(401);
    expect(await reused.text()).toContain("was already used");
    const stale = await loginUrl(w.home);
    await Bun.sleep(400); // the code's lifetime (300 ms) must pass: there is no event for that
    const expired = await fetch(stale, { redirect: "manual" });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toContain("has expired");
    const denied = (await audit(w)).filter((e) => e.action === "web.login" && e.outcome === "denied");
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect((await api(w, "whoami", {}, { cookie: w.cookie, origin: w.origin })).json).toMatchObject({ name: "operator", kind: "operator" });
  });

  test("no cookie and a revoked cookie are 401; --revoke closes the browser's WebSockets", async () => {
    w = await startWeb();
    const none = await api(w, "whoami", {}, { origin: w.origin });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: "unauthorized", exit: 6 });
    expect(none.json.message).toContain("not logged in");
    const ws = await WsPeer.connect(w, { cookie: w.cookie });
    expect((await ws.hello()).type).toBe("welcome");
    expect(JSON.parse(await w.home.ok(["web", "--revoke", "--json"]))).toEqual({ logins: 1, shares: 0 });
    expect((await ws.waitClosed()).code).toBe(1008);
    const revoked = await api(w, "whoami", {}, { cookie: w.cookie, origin: w.origin });
    expect(revoked.status).toBe(401);
    expect(revoked.json.message).toContain("this login has ended");
    // A new login works again.
    const fresh = await login(await loginUrl(w.home));
    expect((await api(w, "whoami", {}, { cookie: fresh, origin: w.origin })).status).toBe(200);
  });

  test("a foreign Origin on a POST and on the upgrade, and a wrong Host, are refused and audited", async () => {
    w = await startWeb();
    const post = await api(w, "send", { to: ["operator"], body: "csrf" }, { cookie: w.cookie, origin: "http://evil.example" });
    expect(post.status).toBe(403);
    expect(post.json).toMatchObject({ code: "forbidden", exit: 6 });
    expect(post.json.message).toContain('Origin "http://evil.example" is not this server');
    // A cookie-authenticated POST without any Origin is refused too.
    const bare = await api(w, "send", { to: ["operator"], body: "csrf" }, { cookie: w.cookie });
    expect(bare.status).toBe(403);
    const ws = new WebSocket(`${w.base.replace("http", "ws")}/ws`, { headers: { origin: "http://evil.example", cookie: w.cookie }, protocols: ["maestro.v1"] } as never);
    const opened = await new Promise<boolean>((resolve) => {
      ws.onopen = () => resolve(true);
      ws.onerror = () => resolve(false);
    });
    expect(opened).toBe(false);
    const rebinding = await fetch(`${w.base}/api/v1/whoami`, { method: "POST", headers: { host: "evil.example:80", cookie: w.cookie } });
    expect(rebinding.status).toBe(403);
    expect((await rebinding.json()).message).toContain("is not this server");
    const records = await audit(w);
    expect(records.some((e) => e.action === "web.origin" && e.outcome === "denied" && e.detail.includes("evil.example"))).toBe(true);
    expect(records.some((e) => e.action === "web.host" && e.outcome === "denied")).toBe(true);
    // Nothing was sent.
    expect(JSON.parse(await w.home.ok(["inbox", "--json"]))).toEqual([]);
    expect((await api(w, "whoami", {}, { cookie: w.cookie, origin: w.origin })).status).toBe(200);
  });

  test("a non-loopback listener is refused (exit 6) without TLS", async () => {
    w = await startWeb();
    const r = await w.home.run(["web", "--stop"]);
    expect(r.code).toBe(0);
    const wide = await w.home.run(["web", "--listen", "0.0.0.0:0"]);
    expect(wide.code).toBe(6);
    expect(wide.stderr).toContain("not a loopback address");
    expect(wide.stderr).toContain("tls_cert");
    const bad = await w.home.run(["web", "--listen", "nonsense"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("ADDR:PORT");
  });

  test("[web] listen in config: the daemon listens from start-up; maestro web gives a login URL for it", async () => {
    const home = new TestHome({ config: '[web]\nlisten = "127.0.0.1:0"\n' });
    try {
      await home.start();
      const logged = () => /web gateway listening on 127\.0\.0\.1:(\d+)/.exec(readFileSync(`${home.home}/daemon.log`, "utf8"))?.[1];
      await waitFor(() => logged() !== undefined);
      const r = JSON.parse(await home.ok(["web", "--json"]));
      expect(r.listen).toBe(`127.0.0.1:${logged()}`);
      const cookie = await login(r.url);
      const who = await fetch(`${new URL(r.url).origin}/api/v1/whoami`, { method: "POST", headers: { cookie, origin: new URL(r.url).origin } });
      expect(await who.json()).toMatchObject({ name: "operator", kind: "operator" });
    } finally {
      await home.cleanup();
    }
  });

  test("with tls_cert/tls_key: https and wss, a Secure cookie, and a non-loopback listen is allowed", async () => {
    const home = new TestHome();
    try {
      const key = `${home.home}/key.pem`;
      const cert = `${home.home}/cert.pem`;
      const gen = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"], { stderr: "pipe" });
      if (gen.exitCode !== 0) throw new Error(`openssl: ${gen.stderr}`);
      await Bun.write(`${home.home}/config.toml`, `[web]\ntls_cert = "${cert}"\ntls_key = "${key}"\n`);
      await home.start();
      const r = JSON.parse(await home.ok(["web", "--listen", "127.0.0.1:0", "--json"]));
      expect(r.tls).toBe(true);
      expect(r.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/login\?code=/);
      const res = await fetch(r.url, { redirect: "manual", tls: { rejectUnauthorized: false } } as never);
      expect(res.status).toBe(303);
      expect(res.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
      // The refusal of a wide listener is lifted (checked, not bound: the gateway already listens).
      const wide = await home.run(["web", "--listen", "0.0.0.0:0"]);
      expect(wide.stderr).not.toContain("not a loopback address");
    } finally {
      await home.cleanup();
    }
  });
});
