/** Names of identities, sessions and groups (SPEC §8): checked on both sides of the wire. */
import { MaestroError } from "./errors.ts";

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Names with a meaning of their own: never an identity a person can register. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["operator", "all", "everyone"]);

export function checkName(name: unknown, what = "name"): string {
  if (typeof name !== "string" || !NAME_RE.test(name)) {
    const shown = typeof name === "string" ? JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name) : String(name);
    throw new MaestroError(
      "usage",
      `invalid ${what} ${shown}: use 1–64 of A-Z a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
  return name;
}
