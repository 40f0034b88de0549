/**
 * The dashboard page. One WebSocket subscribed to sessions, messages and events feeds the store;
 * each terminal opens its own (a tab is one attach client). A share link's welcome names its one
 * session: the page shows that terminal and nothing else.
 */
import "@xterm/xterm/css/xterm.css";
import "./styles.css";
import { call } from "./api.ts";
import { Conn, type ConnState, type Welcome } from "./conn.ts";
import { h, replace } from "./dom.ts";
import { EventsView } from "./events.ts";
import { MessagesView } from "./messages.ts";
import { SessionsView } from "./sessions.ts";
import { Store } from "./store.ts";
import { installStyleShim } from "./style-shim.ts";
import { TerminalView } from "./terminal.ts";

installStyleShim();

const root = document.getElementById("app")!;
const store = new Store();
let view: { el: HTMLElement; dispose(): void; focus?(): void } | undefined;

type Route = { name: "sessions" } | { name: "messages" } | { name: "events" } | { name: "terminal"; session: string };

function parseRoute(): Route {
  const [, name, arg] = location.hash.split("/");
  if (name === "terminal" && arg) return { name, session: decodeURIComponent(arg) };
  if (name === "messages" || name === "events") return { name };
  return { name: "sessions" };
}

function show(v: typeof view, into: HTMLElement): void {
  view?.dispose();
  view = v;
  replace(into, v?.el);
  v?.focus?.();
}

function shareMode(w: Welcome, conn: Conn): void {
  conn.close();
  const scope = w.scope!;
  document.title = `${scope.session} · maestro`;
  const main = h("main.share");
  replace(root, h("header.topbar.share-bar", {}, h("span.brand", {}, "maestro"), h("span.muted", {}, `shared session${scope.read_only ? " · read-only" : ""}`)), main);
  show(new TerminalView({ session: scope.session, share: { readOnly: scope.read_only } }), main);
}

function dashboard(conn: Conn): void {
  const main = h("main.main", { id: "main", tabindex: "-1" });
  const tabs = (["sessions", "messages", "events"] as const).map((t) => h("a.tab", { href: `#/${t}`, "data-tab": t }, t[0]!.toUpperCase() + t.slice(1)));
  const conns = h("span.conn.badge.ok", { role: "status" }, "live");
  const counts = { sessions: h("span.tab-count"), messages: h("span.tab-count") };
  tabs[0]!.append(counts.sessions);
  tabs[1]!.append(counts.messages);
  replace(root, h("a.skip", { href: "#main" }, "Skip to content"), h("header.topbar", {}, h("a.brand", { href: "#/sessions" }, "maestro"), h("nav.tabs", { "aria-label": "Views" }, ...tabs), h("span.spacer"), conns), main);
  store.on("sessions", () => (counts.sessions.textContent = String(store.sessions.size)));
  store.on("messages", () => (counts.messages.textContent = String(store.mail.size)));
  (window as unknown as { maestroConnState: (s: ConnState) => void }).maestroConnState = (s) => {
    conns.textContent = s === "open" ? "live" : s;
    conns.className = `conn badge ${s === "open" ? "ok" : s === "closed" ? "bad" : "warn"}`;
  };
  const route = () => {
    const r = parseRoute();
    for (const t of tabs) t.toggleAttribute("aria-current", t.dataset.tab === (r.name === "terminal" ? "sessions" : r.name));
    document.title = r.name === "terminal" ? `${r.session} · maestro` : `${r.name[0]!.toUpperCase()}${r.name.slice(1)} · maestro`;
    if (r.name === "terminal") show(new TerminalView({ session: r.session, onDetach: () => (location.hash = "#/sessions") }), main);
    else if (r.name === "messages") show(new MessagesView(store), main);
    else if (r.name === "events") show(new EventsView(store), main);
    else show(new SessionsView(store, { open: (name) => (location.hash = `#/terminal/${encodeURIComponent(name)}`) }), main);
  };
  addEventListener("hashchange", route);
  route();
}

let started = false;
const conn: Conn = new Conn({
  welcome: (w) => {
    if (w.scope) return shareMode(w, conn);
    conn.send({ type: "subscribe", topics: ["sessions", "messages", "events"] });
    if (!started) {
      started = true;
      dashboard(conn);
      void call("audit", { limit: 100 }).then((rows) => {
        // Older records first, before anything the feed pushed since.
        store.events.unshift(...rows.reverse().map((r) => ({ kind: "audit" as const, ...r })).filter((r) => !store.events.some((e) => e.at === r.at && e.kind === "audit" && e.action === r.action)));
        store.emit("events");
      }).catch(() => {});
    }
    void refreshIdentities();
  },
  message: (m) => {
    if (m.type === "subscribed") {
      // A reconnect: the pushes that follow are the whole list again.
      store.sessions.clear();
      store.emit("sessions");
    }
    store.apply(m);
    if (m.type === "session") void refreshIdentities();
    if (m.type === "error" && !started) replace(root, h("main.gate", {}, h("h1.brand", {}, "maestro"), h("p.error", {}, m.message)));
  },
  state: (s, why) => {
    (window as unknown as { maestroConnState?: (s: ConnState) => void }).maestroConnState?.(s);
    if (s === "closed" && why && !started) replace(root, h("main.gate", {}, h("h1.brand", {}, "maestro"), h("p.error", {}, why), h("p.muted", {}, "Run ", h("code", {}, "maestro web --open"), " for a new login.")));
  },
});

let identitiesAt = 0;
async function refreshIdentities(): Promise<void> {
  const now = Date.now();
  if (now - identitiesAt < 500) return;
  identitiesAt = now;
  try {
    store.identities = await call("identity.ls", {});
    store.emit("identities");
  } catch {
    // The recipient picker falls back to session names.
  }
}
