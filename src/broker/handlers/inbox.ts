import { MaestroError } from "../../protocol/errors.ts";
import { checkName } from "../../protocol/names.ts";
import { visibleMessage } from "../messaging/compose.ts";
import type { Subscriber } from "../messaging/router.ts";
import { messageView } from "../views.ts";
import type { Handler } from "../types.ts";

/** A follower whose socket holds this much unread stops getting pushes until it drains. */
const FOLLOW_HIGH_WATER = 1024 * 1024;

export const inbox: Handler<"inbox"> = async (ctx, args) => {
  const { broker, client } = ctx;
  const me = client.identity;
  const name = args.name ?? me.name;
  checkName(name, "identity name");
  const own = name === me.name;
  if (!own && me.kind !== "operator") throw new MaestroError("forbidden", `only the operator may look at ${name}'s inbox`);
  if (!broker.store.identities.get(name)) throw new MaestroError("not_found", `no identity "${name}"`);
  const thread = args.thread;

  if (args.follow) {
    if (!own) throw new MaestroError("usage", "inbox --follow follows your own inbox only");
    // The stream pushes (and marks delivered) everything owed: a filter would be silently ignored.
    const filters = (["from", "thread", "since", "limit"] as const).filter((f) => args[f] !== undefined);
    if (filters.length > 0) {
      throw new MaestroError("usage", `inbox --follow streams every message; it takes no ${filters.map((f) => `--${f}`).join(", ")} (filter the JSON lines instead)`);
    }
    const stream = ctx.openStream();
    let paused = false;
    const sub: Subscriber = {
      deliver(view) {
        if (paused || stream.backlog > FOLLOW_HIGH_WATER) {
          paused = true;
          return false;
        }
        stream.event(view);
        return true;
      },
    };
    const unsubscribe = broker.router.subscribe(name, sub);
    stream.onCancel(unsubscribe);
    stream.onDrain(() => {
      if (!paused) return;
      paused = false;
      // Only what stayed queued while paused: what was pushed before the pause already arrived.
      void broker.router.catchUp(name, sub, broker.router.owed(name).filter((r) => r.status === "queued"));
    });
    // The snapshot is taken now, with the subscription; the pushes wait until the reply is out.
    const owed = broker.router.owed(name);
    setImmediate(() => void broker.router.catchUp(name, sub, owed));
    return [];
  }

  const rows = broker.store.messages.inbox({
    recipient: name,
    unreadOnly: args.unread === true,
    freshOnly: args.fresh === true,
    from: args.from,
    // any message of the thread names it, not only the first; one the caller cannot see is exit 3
    thread: thread === undefined ? undefined : visibleMessage(broker.store, me, thread).thread_id,
    sinceId: (args.since ?? 0) * 1024,
    limit: args.limit ?? 50,
    now: Date.now(),
  });
  if (own) await broker.router.listed(rows);
  return rows.map((r) => messageView(r, r));
};
