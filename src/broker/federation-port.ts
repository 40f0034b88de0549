/**
 * What the daemon asks of federation (src/federation/, loaded only when `[federation] nats` is
 * set). Messaging sees only this: a directory to check `name@host` against, and a kick after a
 * commit that left something in the outbox.
 */
import type { Identity } from "../protocol/messages.ts";
import type { DirectoryHost, FederationStatus } from "../protocol/results.ts";

export type RemoteLookup = "ok" | "no-host" | "no-name";

export interface FederationPort {
  /** This daemon's host name. */
  readonly host: string;
  lookup(name: string, host: string): RemoteLookup;
  /** Something was committed to the outbox (or, `receipt`, a delivery changed): drain now, or soon. */
  kick(receipt?: boolean): void;
  status(): FederationStatus;
  directory(): DirectoryHost[];
  /** peek / type / kill on a session of another host (NATS request/reply), as `caller`. */
  control(host: string, op: "peek" | "type" | "kill", args: object, caller: Identity): Promise<unknown>;
  /** Drops HOST's pinned key (re-keying); the next entry it writes is pinned. */
  forget(host: string): Promise<{ forgot: string; pinned: string | null }>;
  close(): Promise<void>;
}
