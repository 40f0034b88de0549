/** The store's statement maps are typed: a misspelt statement name or a wrong parameter list does not compile. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { Store } from "../src/broker/store/index.ts";
import { prepareStatements, type MessageRow } from "../src/broker/store/messages.ts";

const dir = mkdtempSync(join(tmpdir(), "maestro-unit-store-"));
const store = new Store(join(dir, "maestro.db"));
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("statements are reached by checked names, with typed rows and parameters (npm run typecheck holds the @ts-expect-error lines)", () => {
  const s = prepareStatements(store.db);
  const row: MessageRow | null = s.get.get(1);
  expect(row).toBeNull();
  expect(s.maxId.get()?.id).toBeNull();
  // @ts-expect-error a misspelt statement name does not compile
  expect(s.markDelivred).toBeUndefined();
  // @ts-expect-error a positional statement does not take named parameters
  expect(() => s.get.get({ id: 1 })).toThrow();
  expect(s.markDelivered.run({ recipient: "nobody", id: 1, now: 0, ackWait: null }).changes).toBe(0);
});
