import { MaestroError } from "../../protocol/errors.ts";
import { checkName } from "../../protocol/names.ts";
import { visibleMessage } from "../messaging/compose.ts";
import type { Subscriber } from "../messaging/router.ts";
import { messageView } from "../views.ts";
import type { Handler, HandlerContext } from "../types.ts";
import { parseId, type MessageView } from "../../protocol/message.ts";

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
    if (args.confirm) return followConfirmed(ctx, name);
    const stream = ctx.openStream();
    let paused = false;
    const sub: Subscriber = {
      via: "follow",
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

  if (own && args.fresh) broker.router.hookSeen.set(name, Date.now()); // only hooks ask for `fresh`
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

/**
 * A follower that confirms (an MCP server): every push leaves the message as it is stored; the
 * follower sends `delivered` once it has passed it on. Each event carries the stored status, so
 * a follower can tell a message it must still confirm from one already delivered.
 */
function followConfirmed(ctx: HandlerContext, name: string): [] {
  const { broker } = ctx;
  const stream = ctx.openStream();
  let paused = false;
  const push = (view: MessageView) => {
    const d = broker.store.messages.delivery(name, parseId(view.id));
    if (!d || d.status === "read" || d.status === "acked" || d.status === "expired" || d.status === "dead") return;
    stream.event({ ...view, status: d.status, attempts: d.attempts, delivered_at: d.delivered_at === null ? null : new Date(d.delivered_at).toISOString() });
  };
  const pushOwed = () => {
    for (const row of broker.router.owed(name)) push(messageView(row, row));
  };
  const sub: Subscriber = {
    via: "mcp",
    // false: not delivered by the push itself; the follower's `delivered` marks it.
    deliver(view) {
      if (paused || stream.backlog > FOLLOW_HIGH_WATER) paused = true;
      else push(view);
      return false;
    },
  };
  stream.onCancel(broker.router.subscribe(name, sub));
  stream.onDrain(() => {
    if (!paused) return;
    paused = false;
    pushOwed(); // the follower drops what it already has
  });
  // After the reply: the stream's first frames follow the `[]`.
  setImmediate(pushOwed);
  return [];
}
