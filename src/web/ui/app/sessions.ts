/**
 * The sessions list: one row per session, live from `session` pushes. Create, open, kill and
 * remove through the HTTP API; a refusal shows the CLI's own words next to what caused it.
 */
import type { SessionInfo } from "../../../protocol/results.ts";
import { ApiError, call } from "./api.ts";
import { ago, h, replace } from "./dom.ts";
import type { Store } from "./store.ts";

export interface SessionsOptions {
  open(name: string): void;
}

function stateBadge(s: SessionInfo): HTMLElement {
  if (s.state === "running") return h("span.badge.ok", {}, "running");
  const how = s.signal ? s.signal : s.exit_code !== null ? `exit ${s.exit_code}` : "exited";
  return h(`span.badge.${s.exit_code === 0 && !s.signal ? "muted" : "bad"}`, {}, how);
}

export class SessionsView {
  readonly el: HTMLElement;
  private readonly list = h("div.session-list", { role: "list", "aria-label": "Sessions" });
  private readonly count = h("span.count");
  private readonly form: HTMLFormElement;
  private readonly formError = h("p.error", { role: "alert", hidden: true });
  private readonly rowErrors = new Map<string, string>();
  private readonly off: () => void;
  private readonly tick: number;

  constructor(
    private readonly store: Store,
    private readonly opts: SessionsOptions,
  ) {
    const field = (label: string, input: HTMLElement, hint?: string) => h("label.field", {}, h("span", {}, label), input, hint ? h("small.muted", {}, hint) : null);
    this.form = h(
      "form.create",
      { "aria-label": "New session", onsubmit: (e: Event) => void this.create(e) },
      field("Name", h("input", { name: "name", required: true, placeholder: "worker-1", autocomplete: "off", spellcheck: "false", pattern: "[A-Za-z0-9][A-Za-z0-9._-]*" })),
      field("Command", h("input", { name: "command", placeholder: "bash", autocomplete: "off", spellcheck: "false" }), "Words split on spaces; empty: bash"),
      field("Directory", h("input", { name: "cwd", placeholder: "/absolute/path (default: the maestro home)", autocomplete: "off", spellcheck: "false" })),
      field("Notify", h("select", { name: "notify" }, h("option", { value: "none" }, "none"), h("option", { value: "inject" }, "inject"))),
      h("div.form-actions", {}, h("button.primary", { type: "submit" }, "Create session")),
      this.formError,
    );
    this.el = h(
      "section.view.sessions",
      { "aria-labelledby": "sessions-title" },
      h("header.view-head", {}, h("h1#sessions-title", {}, "Sessions ", this.count), h("details.new", {}, h("summary.button", {}, "New session"), this.form)),
      this.list,
    );
    this.off = store.on("sessions", () => this.render());
    // "3 s ago" ages without any message from the daemon.
    this.tick = window.setInterval(() => this.render(), 10_000);
    this.render();
  }

  dispose(): void {
    this.off();
    clearInterval(this.tick);
  }

  private render(): void {
    const sessions = [...this.store.sessions.values()].sort((a, b) => a.name.localeCompare(b.name));
    this.count.textContent = String(sessions.length);
    if (sessions.length === 0) {
      replace(this.list, h("div.empty", {}, h("p", {}, "No sessions yet."), h("p.muted", {}, "Create one above, or run ", h("code", {}, "maestro new NAME -- COMMAND"), ".")));
      return;
    }
    const focused = (document.activeElement as HTMLElement | null)?.dataset.key;
    replace(this.list, ...sessions.map((s) => this.row(s)));
    if (focused) (this.list.querySelector(`[data-key="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
  }

  private row(s: SessionInfo): HTMLElement {
    const err = this.rowErrors.get(s.name);
    const waiting = s.pending_notices > 0 ? h("span.badge.warn", { title: s.notices_held_by ? `held: ${s.notices_held_by} is in front` : "notices waiting to be typed" }, `${s.pending_notices} waiting`) : null;
    const at = s.name.indexOf("@");
    const remoteHost = at === -1 ? undefined : s.name.slice(at + 1);
    const stat = (label: string, value: Node | string) => h("div.stat", {}, h("span.stat-label", {}, label), h("span.stat-value", {}, value));
    return h(
      "article.session",
      { role: "listitem", "data-name": s.name, "data-state": s.state },
      h(
        "div.session-main",
        {},
        h("button.link.session-name", { type: "button", "data-key": `open:${s.name}`, onclick: () => this.opts.open(s.name), title: `Open ${s.name}'s terminal` }, s.name),
        stateBadge(s),
        s.unread > 0 ? h("span.badge.accent", { title: "unread messages" }, `${s.unread} unread`) : null,
        waiting,
        h("code.session-cmd", { title: s.command.join(" ") }, s.command.join(" ")),
      ),
      h(
        "div.session-stats",
        {},
        // Another host's session (name@host): the directory says only whether it runs, so no
        // clients, size, notify or pid are shown for it rather than zeros.
        ...(remoteHost === undefined
          ? [
              stat("clients", String(s.clients)),
              stat("size", `${s.cols}×${s.rows}`),
              stat("active", h("time", { datetime: s.last_activity, title: new Date(s.last_activity).toLocaleString() }, ago(s.last_activity))),
              stat("notify", s.notify),
              stat("pid", String(s.pid)),
            ]
          : [stat("host", remoteHost), stat("seen", h("time", { datetime: s.last_activity, title: new Date(s.last_activity).toLocaleString() }, ago(s.last_activity)))]),
      ),
      h(
        "div.session-actions",
        {},
        h("button", { type: "button", "data-key": `term:${s.name}`, onclick: () => this.opts.open(s.name) }, "Open"),
        s.state === "running" ? h("button", { type: "button", "data-key": `kill:${s.name}`, onclick: () => void this.act(s.name, "kill") }, "Kill") : null,
        // There is no remote rm: a session is removed on its own host.
        remoteHost === undefined ? h("button.danger", { type: "button", "data-key": `rm:${s.name}`, onclick: () => void this.act(s.name, "rm") }, "Remove") : null,
      ),
      err ? h("p.error", { role: "alert" }, err) : null,
    );
  }

  private async act(name: string, what: "kill" | "rm"): Promise<void> {
    this.rowErrors.delete(name);
    try {
      if (what === "kill") await call("kill", { name });
      else await call("rm", { name, force: true });
    } catch (err) {
      this.rowErrors.set(name, (err as Error).message);
      this.render();
    }
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    const data = new FormData(this.form);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    const command = text("command").split(/\s+/).filter(Boolean);
    this.formError.hidden = true;
    try {
      await call("new", {
        name: text("name"),
        command: command.length ? command : ["bash"],
        ...(text("cwd") ? { cwd: text("cwd") } : {}),
        notify: text("notify") === "inject" ? "inject" : "none",
      });
      this.form.reset();
      (this.el.querySelector("details.new") as HTMLDetailsElement).open = false;
    } catch (err) {
      this.formError.textContent = err instanceof ApiError ? err.message : String(err);
      this.formError.hidden = false;
    }
  }
}
