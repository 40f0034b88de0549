/**
 * Checks on request arguments. They come off the wire from any client, so each handler reads
 * them through these rather than trusting the request's TypeScript type.
 */
import { MaestroError } from "../protocol/errors.ts";

type Args = Record<string, unknown>;

function bad(field: string, want: string): never {
  throw new MaestroError("usage", `argument "${field}" must be ${want}`);
}

export function optString(args: Args, field: string): string | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : bad(field, "a string");
}

export function reqString(args: Args, field: string): string {
  return optString(args, field) ?? bad(field, "given");
}

export function optBool(args: Args, field: string): boolean {
  const v = args[field];
  if (v === undefined || v === null) return false;
  return typeof v === "boolean" ? v : bad(field, "true or false");
}

export function optInt(args: Args, field: string, min: number, max: number): number | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  return Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : bad(field, `an integer from ${min} to ${max}`);
}

export function optStrings(args: Args, field: string): string[] {
  const v = args[field];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) && v.every((s) => typeof s === "string") ? (v as string[]) : bad(field, "a list of strings");
}
