/**
 * This daemon's Ed25519 host key (Web Crypto): made on first start, kept 0600 in the home. Every
 * envelope it publishes is signed with it; other hosts verify against the public half, which
 * the directory carries (and which they pin the first time they see it).
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface HostKey {
  privateKey: CryptoKey;
  /** The raw public key, base64url (the JWK `x`). */
  publicKey: string;
}

export const HOST_KEY_FILE = "federation-host.key";

export async function loadHostKey(home: string): Promise<HostKey> {
  const path = join(home, HOST_KEY_FILE);
  let jwk: JsonWebKey;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) throw new Error(`${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
    jwk = JSON.parse(readFileSync(path, "utf8")) as JsonWebKey;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
    // wx: two daemons never share a home (the lock), but never overwrite a key either.
    writeFileSync(path, JSON.stringify(jwk), { mode: 0o600, flag: "wx" });
  }
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || typeof jwk.d !== "string") throw new Error(`${path} is not an Ed25519 key`);
  const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
  return { privateKey, publicKey: jwk.x };
}

export function importPublicKey(x: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x }, { name: "Ed25519" }, false, ["verify"]);
}

/** A short fingerprint people can compare: 16 hex digits of SHA-256 over the raw key. */
export function fingerprint(x: string): string {
  return new Bun.CryptoHasher("sha256").update(Buffer.from(x, "base64url")).digest("hex").slice(0, 16);
}
