/**
 * New messages, pushed: the server follows the identity's inbox on its daemon connection
 * (`inbox {follow, confirm}`), writes each new message to the MCP client once as a
 * `notifications/claude/channel` event, and only then tells the daemon it was delivered. The
 * same arrivals wake `wait_for_message` and announce `maestro://inbox` to its subscribers.
 */
import type { Client } from "../client/connection.ts";
import { isDaemonGone } from "../client/reconnect.ts";
import { cutBody } from "../cli/hook.ts";
import type { MessageView } from "../protocol/message.ts";
import type { DaemonLink } from "./link.ts";

/** Ids remembered to keep each message to one event; bounded so a server running for weeks stays small. */
const SEEN_MAX = 100_000;
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;

export interface PushSink {
  /** Writes one channel event; resolves once the client's pipe has taken it. */
  channel(content: string, meta: Record<string, string>): Promise<void>;
  /** `maestro://inbox` changed. */
  inboxChanged(): void;
  log(line: string): void;
}

/** What the channel event says: sender, subject, body — the body cut as hooks cut it. */
export function channelContent(m: MessageView): string {
  const head = `Message ${m.id} from ${m.from}${m.priority === "normal" ? "" : ` [${m.priority}]`}${m.subject ? ` — ${m.subject}` : ""}`;
  const body = cutBody(m.body, `read_messages {"ids": ["${m.id}"]}`);
  return body ? `${head}:\n${body}` : head;
}

export function channelMeta(m: MessageView): Record<string, string> {
  return { id: m.id, from: m.from, thread: m.thread_id, priority: m.priority };
}

type Waiter = (m: MessageView) => boolean;

export class Push {
  /** Written to the client (an event went out for it). */
  private readonly sent = new Set<string>();
  /** The daemon has it as delivered (or a confirmation is on its way). */
  private readonly confirmed = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private stream: { client: Client; id: number } | undefined;

  constructor(
    private readonly link: DaemonLink,
    private readonly sink: PushSink,
  ) {}

  /** Follows the inbox until stop(); a lost daemon is waited for, never given up on. */
  async run(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    let first = true;
    let complained = false;
    while (!this.stopped) {
      let client: Client;
      try {
        client = await this.link.client(first);
      } catch (e) {
        if (!complained) this.sink.log(`maestro mcp: cannot follow the inbox: ${(e as Error).message}; retrying`);
        complained = true;
        await Bun.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      first = false;
      let ended!: () => void;
      const end = new Promise<void>((r) => (ended = r));
      const { id, reply } = client.openStream("inbox", { follow: true, confirm: true }, { event: (e) => this.arrived(client, e as MessageView), end: () => ended() });
      this.stream = { client, id };
      try {
        await reply;
        backoff = FIRST_BACKOFF_MS;
        complained = false;
        await end;
      } catch (e) {
        if (!isDaemonGone(e) && !complained) this.sink.log(`maestro mcp: the inbox stream was refused: ${(e as Error).message}; retrying`);
        complained = true;
        await Bun.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
      this.stream = undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.stream) this.stream.client.cancel(this.stream.id);
  }

  /**
   * Resolves with the first new message `match` takes, null after `timeoutMs`; rejects when
   * `signal` aborts. Registered at once, so a message arriving after this call is not missed.
   */
  next(match: (m: MessageView) => boolean, timeoutMs: number, signal: AbortSignal): { promise: Promise<MessageView | null>; cancel(): void } {
    let cancel = () => {};
    const promise = new Promise<MessageView | null>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", aborted);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = (m) => {
        if (!match(m)) return false;
        done();
        resolve(m);
        return true;
      };
      const aborted = () => {
        done();
        reject(signal.reason instanceof Error ? signal.reason : new Error("cancelled"));
      };
      const timer = setTimeout(() => {
        done();
        resolve(null);
      }, timeoutMs);
      cancel = () => {
        done();
        resolve(null);
      };
      if (signal.aborted) return aborted();
      signal.addEventListener("abort", aborted, { once: true });
      this.waiters.add(waiter);
    });
    // A caller may abandon the promise (its inbox request failed, or the call was cancelled while
    // it asked): its rejection must never go unhandled, which would end the server.
    promise.catch(() => {});
    return { promise, cancel: () => cancel() };
  }

  /** Events are handled one at a time, in the order the daemon pushed them. */
  private arrived(client: Client, m: MessageView): void {
    this.queue = this.queue.then(() => this.handle(client, m)).catch((e) => this.sink.log(`maestro mcp: ${(e as Error).message}`));
  }

  private async handle(client: Client, m: MessageView): Promise<void> {
    if (!this.sent.has(m.id)) {
      try {
        await this.sink.channel(channelContent(m), channelMeta(m));
      } catch {
        return; // not written: the client went away. Nothing is marked; it stays queued.
      }
      remember(this.sent, m.id);
      for (const w of [...this.waiters]) w(m);
      this.sink.inboxChanged();
    }
    // Written now or before (a stream opened again, a confirmation lost with the daemon): the
    // daemon learns it was delivered. One already confirmed is not confirmed again.
    if (m.status !== "queued" || this.confirmed.has(m.id)) return;
    remember(this.confirmed, m.id);
    try {
      await client.request("delivered", { ids: [m.id] });
    } catch {
      this.confirmed.delete(m.id); // the daemon went away first: the next stream pushes it again
    }
  }
}

function remember(set: Set<string>, id: string): void {
  set.add(id);
  if (set.size > SEEN_MAX) set.delete(set.values().next().value!);
}
