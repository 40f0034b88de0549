/**
 * The programs maestro is measured against, and the Debian packages that provide them. As root the
 * bench installs what is missing (one `apt-get update`, one `apt-get install`); otherwise the rows
 * that need a missing peer are skipped and say so.
 */
import { capture, cleanEnv, firstLine } from "./proc.ts";

export const PEER_PACKAGES = {
  tmux: "tmux",
  dtach: "dtach",
  "redis-server": "redis-server",
  "redis-benchmark": "redis-tools",
  "redis-cli": "redis-tools",
  "nats-server": "nats-server",
} as const;

export type Peer = keyof typeof PEER_PACKAGES;

export const ALL_PEERS = Object.keys(PEER_PACKAGES) as Peer[];

export function missingPeers(peers: Iterable<Peer>): Peer[] {
  return [...new Set(peers)].filter((p) => !Bun.which(p));
}

/** Installs the packages behind missing peers when we can; returns the peers still missing. */
export async function ensurePeers(peers: Peer[], log: (line: string) => void): Promise<Peer[]> {
  const missing = missingPeers(peers);
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    log(`not root: cannot install ${missing.join(", ")}; rows needing them are skipped`);
    return missing;
  }
  const packages = [...new Set(missing.map((p) => PEER_PACKAGES[p]))];
  log(`installing ${packages.join(" ")} from Debian…`);
  const env = cleanEnv({ DEBIAN_FRONTEND: "noninteractive" });
  for (const argv of [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", ...packages]]) {
    const r = await capture(argv, { env, timeoutMs: 300_000 });
    if (r.code !== 0) {
      log(`${argv.slice(0, 2).join(" ")} failed (${r.code}): ${firstLine(r.stderr)}`);
      break;
    }
  }
  return missingPeers(peers);
}
