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
