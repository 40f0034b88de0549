import { afterAll, beforeAll, expect, test } from "vitest";
import { TestHome } from "./helpers.ts";

const h = new TestHome();
let token = "";
const asAgent = () => ({ env: { MAESTRO_TOKEN: token } });
beforeAll(async () => {
  token = JSON.parse(await h.ok(["register", "claude-1", "--json"])).token;
});
afterAll(() => h.cleanup());

test("inbox --unread --hook claude: empty prints nothing; new messages print Claude Code's hook JSON once and are marked delivered", async () => {
  const empty = await h.run(["inbox", "--unread", "--hook", "claude"], asAgent());
  expect(empty).toEqual({ code: 0, stdout: "", stderr: "" });

  const a = (await h.ok(["send", "claude-1", "run the tests", "--subject", "CI red", "--priority", "high"])).trim();
  const b = (await h.ok(["send", "claude-1", "line one\nline two"])).trim();
  const out = await h.ok(["inbox", "--unread", "--hook", "claude"], asAgent());
  expect(out.endsWith("\n")).toBe(true);
  const json = JSON.parse(out);
  expect(Object.keys(json)).toEqual(["hookSpecificOutput"]);
  expect(json.hookSpecificOutput.hookEventName).toBe("UserPromptSubmit");
  const ctx: string = json.hookSpecificOutput.additionalContext;
  expect(ctx).toContain(`${a} from operator [high] — CI red:\n  run the tests`);
  expect(ctx).toContain(`${b} from operator:\n  line one\n  line two`);
  expect(ctx).toMatch(/maestro read <id>/);

  // delivered (a peek), not read; the next hook run has nothing new to say
  const inbox = JSON.parse(await h.ok(["inbox", "--json"], asAgent()));
  expect(inbox.map((m: { status: string }) => m.status)).toEqual(["delivered", "delivered"]);
  expect((await h.run(["inbox", "--unread", "--hook", "claude"], asAgent())).stdout).toBe("");

  const c = (await h.ok(["send", "claude-1", "x".repeat(5000)])).trim();
  const next = JSON.parse(await h.ok(["inbox", "--unread", "--hook", "claude", "--hook-event", "SessionStart"], asAgent()));
  expect(next.hookSpecificOutput.hookEventName).toBe("SessionStart");
  expect(next.hookSpecificOutput.additionalContext).toContain(`truncated: \`maestro read ${c}\``);
  expect(next.hookSpecificOutput.additionalContext.length).toBeLessThan(8000);
});

test("hook flags: an unknown CLI, NAME, --json or --follow with --hook are usage errors", async () => {
  for (const args of [["inbox", "--hook", "vim"], ["inbox", "w1", "--hook", "claude"], ["inbox", "--hook", "claude", "--json"], ["inbox", "--hook", "claude", "--hook-event", "Nope"]]) {
    const r = await h.run(args, asAgent());
    expect(r.code, args.join(" ")).toBe(2);
    expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
  }
});
