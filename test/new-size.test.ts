/** `new` from a terminal starts the program at that terminal's size (read from the kernel, not process.stdout); without one, 80×24. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { TestHome } from "./helpers.ts";
import { Tty } from "./tty.ts";

let h: TestHome;
beforeAll(async () => {
  h = new TestHome();
  await h.start();
});
afterAll(() => h.cleanup());

const sizeOf = async (name: string) => (JSON.parse(await h.ok(["ls", "--json"])) as { name: string; cols: number; rows: number }[]).find((s) => s.name === name);

test("new in a 123×41 terminal makes a 123×41 session; piped, 80×24", async () => {
  const t = new Tty(h, ["new", "sz1", "--", "sleep", "60"], 123, 41);
  try {
    expect(await t.exit()).toBe(0);
  } finally {
    t.dispose();
  }
  expect(await sizeOf("sz1")).toMatchObject({ cols: 123, rows: 41 });
  await h.ok(["new", "sz2", "--", "sleep", "60"]);
  expect(await sizeOf("sz2")).toMatchObject({ cols: 80, rows: 24 });
});
