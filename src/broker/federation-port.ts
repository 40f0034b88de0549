/**
 * What the daemon asks of federation (src/federation/, loaded only when `[federation] nats` is
 * set). Messaging sees only this: a directory to check `name@host` against, and a kick after a
 * commit that left something in the outbox.
 */
import type { AttachSink } from "../pty/attachment.ts";
import type { Identity } from "../protocol/messages.ts";
import type { DirectoryHost, FederationStatus, WaitEvent } from "../protocol/results.ts";

export type RemoteLookup = "ok" | "no-host" | "no-name";

/** Where a remote terminal's bytes go on this host: an attach stream or a maestro.v1 WebSocket. */
/** What a remote terminal writes to: the same sink as a local attachment's. */
export type TerminalSink = AttachSink;

export interface RemoteAttachArgs {
  name: string;
  cols?: number;
  rows?: number;
  read_only?: boolean;
  history?: number;
  tty?: string;
  since?: number;
}

/** An open remote attachment (the remote host accepted it). */
export interface RemoteTerminal {
  readonly name: string;
  readonly cols: number;
  readonly rows: number;
  readonly detachKey: string;
  /** The output offset live bytes continue from, and whether a requested `since` was honoured. */
  readonly seq: number;
  readonly resumed: boolean;
  /** Frames that arrived before are delivered now, then everything as it comes. */
  start(sink: TerminalSink): void;
  input(bytes: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** This side is done (detach, the client went away): the remote client is removed. */
  detach(): void;
}

export interface RemoteWait {
  /** The one event; rejects when the link to the host is lost. */
  readonly result: Promise<WaitEvent>;
  cancel(): void;
}

export interface FederationPort {
  /** This daemon's host name. */
  readonly host: string;
  lookup(name: string, host: string): RemoteLookup;
  /** Something was committed to the outbox (or, `receipt`, a delivery changed): drain now, or soon. */
  kick(receipt?: boolean): void;
  /**
   * The most a message's subject, body and metadata may take as JSON to reach another host: one
   * publish must fit the server's max_payload, and a message that cannot is refused at send, not
   * left in the outbox where it would hold back everything behind it.
   */
  maxMessageBytes(): number;
  status(): FederationStatus;
  directory(): DirectoryHost[];
  /** peek / type / kill on a session of another host (NATS request/reply), as `caller`. */
  control(host: string, op: "peek" | "type" | "kill", args: object, caller: Identity): Promise<unknown>;
  /** Drops HOST's pinned key (re-keying); the next entry it writes is pinned. */
  forget(host: string): Promise<{ forgot: string; pinned: string | null }>;
  /** attach to a session of another host (a subject pair, docs/federation.md), as `caller`. */
  attach(host: string, args: RemoteAttachArgs, caller: Identity): Promise<RemoteTerminal>;
  /** wait on a session of another host; resolves once that host has started the wait. */
  wait(host: string, args: object, caller: Identity): Promise<RemoteWait>;
  close(): Promise<void>;
}
