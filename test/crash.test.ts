import { afterAll, expect, test } from "vitest";
import { TestHome, alive, waitFor } from "./helpers.ts";

const h = new TestHome();
afterAll(() => h.cleanup());

test("durable before acknowledged: every id send printed survives SIGKILLs of the daemon, exactly once", async () => {
  await h.ok(["register", "sink"]);
  const printed: string[] = [];
  let failed = 0;
  const TOTAL = 320;

  // The killer fires at arbitrary moments while sends are in flight, not between them.
  const kills: number[] = [];
  const killer = (async () => {
    for (const after of [90, 200]) {
      await waitFor(() => printed.length >= after, 60_000);
      const pid = h.daemonPid();
      if (pid && alive(pid)) {
        process.kill(pid, "SIGKILL");
        kills.push(pid);
        await waitFor(() => !alive(pid));
      }
    }
  })();

  for (let i = 0; i < TOTAL; i++) {
    const r = await h.run(["send", "sink", `message ${i}`, "--json"]);
    if (r.code === 0) printed.push(JSON.parse(r.stdout).id);
    else failed++; // a send cut off by the kill: no id printed, so no promise was made
  }
  await killer;

  expect(kills).toHaveLength(2);
  expect(printed.length).toBeGreaterThanOrEqual(TOTAL - 10);
  expect(failed).toBeLessThanOrEqual(10);
  const inbox = JSON.parse(await h.ok(["inbox", "sink", "--limit", "10000", "--json"])) as { id: string; body: string }[];
  const counts = new Map<string, number>();
  for (const m of inbox) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
  for (const id of printed) expect(counts.get(id), `id ${id}`).toBe(1);
  // and no message was stored twice under different ids
  const bodies = inbox.map((m) => m.body);
  expect(new Set(bodies).size).toBe(bodies.length);
});
