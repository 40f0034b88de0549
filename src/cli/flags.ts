/** Numeric flag values, checked the same way by every verb. */
import { MaestroError } from "../protocol/errors.ts";

/** A whole number from `min` to `max` (underscores allowed: 1_000_000), or a usage error naming the flag. */
export function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text.replace(/_/g, ""));
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new MaestroError("usage", `${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}
