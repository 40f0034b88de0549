import { afterAll, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";

const h = new TestHome({ config: "[inject]\nquiet_ms = 150\ntyping_ms = 300\nconfirm_ms = 150\nenter_retries = 2\nretry_ms = 300\n" });
afterAll(() => h.cleanup());

test("a notice the program reads late (it was busy in a silent command) is delivered once, not typed again", async () => {
  await h.ok(["new", "late", "--notify", "inject", "--", "bash", "--norc", "--noprofile", "-i"]);
  await h.ok(["wait", "late", "--match", "\\$ $|# $", "--timeout", "10s"]);
  // bash sits in `sleep` when the notice comes: only the terminal echoes it; bash reads it from
  // its input when the sleep ends.
  await h.ok(["type", "late", "sleep 1.5", "--enter"]);
  const id = (await h.ok(["send", "late", "are you there", "--subject", "ping"])).trim();
  await waitFor(async () => JSON.parse(await h.ok(["inbox", "late", "--json"]))[0]?.status === "delivered", 15_000);
  // bash sat in sleep while the terminal echoed the notice and Enter: that counts as taken (the
  // line is in its input, read when the sleep ends), so it may be delivered before bash runs it.
  await h.ok(["wait", "late", "--match", "maestro:: command not found", "--timeout", "10s"]);
  // Give a second (wrong) attempt the time it would need: retry_ms plus a quiet spell.
  await h.ok(["wait", "late", "--idle", "800ms", "--timeout", "10s"]);
  const screen = await h.ok(["peek", "late", "--lines", "200"]);
  // bash ran each notice it read as a command: exactly one run means exactly one notice.
  expect(screen.split("\n").filter((l) => /maestro:: command not found/.test(l))).toHaveLength(1);
  expect(screen).toContain(id);
  const ls = JSON.parse(await h.ok(["ls", "--json"]));
  expect(ls[0]).toMatchObject({ name: "late", pending_notices: 0 });
  // the table's NOTICES column says the same
  // (UNREAD 1: delivered by the notice, not read; NOTICES 0: none waiting; then the command)
  expect((await h.ok(["ls"])).split("\n")[1]).toMatch(/\s1\s+0\s+bash --norc/);
});
