import { afterAll, describe, expect, test } from "vitest";
import { BIN, freePort, TestHome, waitFor } from "./helpers.ts";

const TOKEN = "test-metrics-token-0123456789";
const port = freePort();
const h = new TestHome({ config: `[metrics]\nlisten = "127.0.0.1:${port}"\ntoken = "${TOKEN}"\n\n[limits]\nsends_per_second = 1\nsend_burst = 1\n` });
afterAll(() => h.cleanup());

const sample = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"=]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);

describe("metrics", () => {
  test("`maestro metrics` prints Prometheus text whose counters follow what happened", async () => {
    const token = JSON.parse(await h.ok(["register", "agent", "--json"])).token;
    const before = await h.ok(["metrics"]);
    expect(before).toMatch(/^# TYPE maestro_sends_total counter$/m);
    await h.ok(["send", "agent", "one"]);
    await h.ok(["send", "operator", "from agent"], { env: { MAESTRO_TOKEN: token } });
    expect((await h.run(["send", "operator", "too fast"], { env: { MAESTRO_TOKEN: token } })).code).toBe(6);
    expect((await h.run(["whoami"], { env: { MAESTRO_TOKEN: "mst_nope" } })).code).toBe(6);
    await h.ok(["inbox"], { env: { MAESTRO_TOKEN: token } }); // the recipient lists it: delivered
    const after = await h.ok(["metrics"]);
    expect(sample(after, 'maestro_sends_total{outcome="ok"}') - sample(before, 'maestro_sends_total{outcome="ok"}')).toBe(2);
    expect(sample(after, 'maestro_sends_total{outcome="refused"}')).toBe(1);
    expect(sample(after, "maestro_rate_limited_total")).toBe(1);
    expect(sample(after, "maestro_auth_failures_total")).toBe(1);
    expect(sample(after, "maestro_deliveries_total")).toBe(1);
    expect(sample(after, 'maestro_messages{state="delivered"}')).toBe(1);
    expect(sample(after, "maestro_send_duration_seconds_count")).toBe(2);
    expect(sample(after, "maestro_bytes_received_total")).toBeGreaterThan(sample(before, "maestro_bytes_received_total"));
  });

  test("the loopback HTTP endpoint answers only with the bearer token", async () => {
    await h.ok(["status"]);
    const url = `http://127.0.0.1:${port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/text\/plain/);
    expect(await ok.text()).toMatch(/^maestro_connections \d+$/m);
  });

  test("a non-loopback metrics.listen or a missing token stops the daemon at start-up, naming the key", async () => {
    for (const [config, why] of [
      ['[metrics]\nlisten = "0.0.0.0:9464"\ntoken = "0123456789abcdef"\n', /metrics.listen "0.0.0.0:9464" must be a loopback address/],
      ['[metrics]\nlisten = "127.0.0.1:9464"\n', /metrics.token must be set/],
      ["[metrics]\nlisten = 9464\n", /"metrics.listen" must be a string/],
    ] as const) {
      const bad = new TestHome({ config });
      const r = await bad.run(["daemon"]);
      expect(r.code, config).not.toBe(0);
      expect(r.stderr, config).toMatch(why);
      await bad.cleanup();
    }
  });
});

describe("waits give up with their client", () => {
  test("a send --wait whose client is killed leaves nothing waiting in the daemon", async () => {
    await h.ok(["register", "slowpoke"]);
    const pending = async () => sample(await h.ok(["metrics"]), "maestro_pending_waits");
    expect(await pending()).toBe(0);
    const proc = Bun.spawn([BIN, "send", "slowpoke", "read me", "--wait", "read", "--timeout", "10m"], { env: h.env, stdout: "ignore", stderr: "ignore" });
    await waitFor(async () => (await pending()) === 1);
    proc.kill("SIGKILL");
    await proc.exited;
    await waitFor(async () => (await pending()) === 0);
  });
});
