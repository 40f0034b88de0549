/** `maestro bench follow --samples`: the per-message latencies the follow-latency bench row aggregates over its runs. */
import { afterAll, expect, test } from "vitest";
import { TestHome } from "./helpers.ts";

const h = new TestHome();
afterAll(() => h.cleanup());

test("bench follow --json --samples prints every latency; --samples without --json is a usage error, nothing sent", async () => {
  await h.start();
  const r = JSON.parse(await h.ok(["bench", "follow", "--rate", "500", "-n", "40", "--json", "--samples"])) as { n: number; max_ms: number; latencies_ms: number[] };
  expect(r.n).toBe(40);
  expect(r.latencies_ms).toHaveLength(40);
  expect(Math.max(...r.latencies_ms)).toBe(r.max_ms);
  const plain = JSON.parse(await h.ok(["bench", "follow", "--rate", "500", "-n", "10", "--json"])) as Record<string, unknown>;
  expect(plain.latencies_ms).toBeUndefined();

  const before = (JSON.parse(await h.ok(["inbox", "bench-sink", "--limit", "1000", "--json"])) as unknown[]).length;
  const bad = await h.run(["bench", "follow", "-n", "10", "--samples"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--samples goes with --json/);
  expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  const after = (JSON.parse(await h.ok(["inbox", "bench-sink", "--limit", "1000", "--json"])) as unknown[]).length;
  expect(after).toBe(before);
});

test("bench fanout: a * broadcast timed at every follower; bench identities registers N; bad counts are usage errors, nothing registered", async () => {
  const r = JSON.parse(await h.ok(["bench", "fanout", "--subscribers", "3", "--rate", "200", "-n", "20", "--json"])) as {
    n: number;
    subscribers: number;
    subscriber_p99_ms: number[];
    worst_subscriber_p99_ms: number;
    median_subscriber_p99_ms: number;
  };
  expect(r.n).toBe(60);
  expect(r.subscriber_p99_ms).toHaveLength(3);
  expect(r.worst_subscriber_p99_ms).toBe(Math.max(...r.subscriber_p99_ms));
  expect(r.median_subscriber_p99_ms).toBeLessThanOrEqual(r.worst_subscriber_p99_ms);
  const ids = JSON.parse(await h.ok(["bench", "identities", "-n", "25", "--json"])) as { n: number };
  expect(ids.n).toBe(25);

  const names = async () => (JSON.parse(await h.ok(["identity", "ls", "--json"])) as { name: string }[]).map((i) => i.name).sort();
  const before = await names();
  expect(before.filter((n) => n.startsWith("bench-id-"))).toHaveLength(25);
  for (const bad of [["fanout", "--subscribers", "0"], ["fanout", "--rate", "x"], ["identities", "-n", "-3"], ["nope"]]) {
    const res = await h.run(["bench", ...bad]);
    expect(res.code, bad.join(" ")).toBe(2);
    expect(res.stderr.trim().split("\n"), bad.join(" ")).toHaveLength(1);
  }
  expect(await names()).toEqual(before);
});
