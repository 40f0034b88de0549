/**
 * The operator's bearer token for the HTTP API (`maestro web --api-token`): 256 random bits shown
 * once; only its SHA-256 is kept, in `$MAESTRO_HOME/web-token.sha256` (0600), so it outlives
 * daemon restarts the way identity tokens do. Compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MaestroError } from "../protocol/errors.ts";
import { secret } from "./grants.ts";

export const API_TOKEN_PREFIX = "mwt_";

const file = (home: string) => join(home, "web-token.sha256");
const digest = (token: string) => createHash("sha256").update(token).digest();

function stored(home: string): Buffer | undefined {
  try {
    const b = Buffer.from(readFileSync(file(home), "utf8").trim(), "hex");
    return b.byteLength === 32 ? b : undefined;
  } catch {
    return undefined;
  }
}

/** A new token (replacing the old one only with `rotate`). */
export function issueApiToken(home: string, rotate: boolean): { token: string; rotated: boolean } {
  const had = stored(home) !== undefined;
  if (had && !rotate) {
    throw new MaestroError("forbidden", "a web API token already exists and is shown only once; `maestro web --api-token --rotate` issues a new one (the old one stops working)");
  }
  const token = secret(API_TOKEN_PREFIX);
  const tmp = `${file(home)}.${process.pid}.tmp`;
  writeFileSync(tmp, digest(token).toString("hex") + "\n", { mode: 0o600 });
  renameSync(tmp, file(home));
  return { token, rotated: had };
}

export function isApiToken(home: string, token: string): boolean {
  const want = stored(home);
  return want !== undefined && timingSafeEqual(digest(token), want);
}
