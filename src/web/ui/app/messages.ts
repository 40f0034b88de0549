/**
 * The messages timeline: every message with each recipient's status, live from `mail` pushes
 * (queued → delivered → read → acked as it happens). Filter by identity or thread; a thread
 * opens beside the list; compose, send and reply as the operator. A failed send keeps the draft.
 */
import type { Priority } from "../../../protocol/message.ts";
import type { MailView } from "../../../protocol/web.ts";
import { ApiError, call } from "./api.ts";
import { clock, h, replace } from "./dom.ts";
import type { Store } from "./store.ts";

const PRIORITIES: Priority[] = ["low", "normal", "high", "urgent"];
const DRAFT_KEY = "maestro.draft";

interface Draft {
  to: string;
  subject: string;
  body: string;
  priority: Priority;
  reply_to?: string;
}

export class MessagesView {
  readonly el: HTMLElement;
  private readonly list = h("ol.timeline", { "aria-label": "Messages, newest first" });
  private readonly who: HTMLSelectElement = h("select", { "aria-label": "Filter by identity", onchange: () => this.render() });
  private thread: string | undefined;
  private readonly threadBar = h("div.thread-bar", { hidden: true });
  private readonly compose: HTMLFormElement;
  private readonly composeError = h("p.error", { role: "alert", hidden: true });
  private readonly composeNote = h("p.ok-note", { role: "status", hidden: true });
  private readonly replyLabel = h("span.muted");
  private readonly datalist = h("datalist#recipients");
  private draft: Draft;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly store: Store) {
    this.draft = loadDraft();
    const input = (name: keyof Draft, attrs: Record<string, string | boolean>) =>
      h("input", { name, value: String(this.draft[name] ?? ""), oninput: (e: Event) => this.keep(name, (e.target as HTMLInputElement).value), ...attrs });
    this.compose = h(
      "form.compose",
      { "aria-label": "Send a message", onsubmit: (e: Event) => void this.send(e) },
      h("h2", {}, "Send as operator ", this.replyLabel),
      h("label.field", {}, h("span", {}, "To"), input("to", { list: "recipients", required: true, placeholder: "worker-1, @team or *", autocomplete: "off", spellcheck: "false" })),
      h("label.field", {}, h("span", {}, "Subject"), input("subject", { placeholder: "optional", autocomplete: "off" })),
      h(
        "label.field",
        {},
        h("span", {}, "Priority"),
        h("select", { name: "priority", onchange: (e: Event) => this.keep("priority", (e.target as HTMLSelectElement).value) }, ...PRIORITIES.map((p) => h("option", { value: p, selected: p === this.draft.priority }, p))),
      ),
      h("label.field.wide", {}, h("span", {}, "Message"), h("textarea", { name: "body", rows: 4, placeholder: "What should they know?", oninput: (e: Event) => this.keep("body", (e.target as HTMLTextAreaElement).value) }, this.draft.body)),
      h("div.form-actions", {}, h("button.primary", { type: "submit" }, "Send"), h("button", { type: "button", onclick: () => this.clearDraft() }, "Clear")),
      this.composeError,
      this.composeNote,
      this.datalist,
    );
    this.el = h(
      "section.view.messages",
      { "aria-labelledby": "messages-title" },
      h("header.view-head", {}, h("h1#messages-title", {}, "Messages"), h("div.filters", {}, h("label.inline", {}, h("span.muted", {}, "Identity"), this.who))),
      h("div.messages-grid", {}, h("div.timeline-wrap", {}, this.threadBar, this.list), this.compose),
    );
    this.offs.push(store.on("messages", () => this.render()), store.on("sessions", () => this.renderPickers()), store.on("identities", () => this.renderPickers()));
    this.renderReply();
    this.render();
  }

  dispose(): void {
    for (const o of this.offs) o();
  }

  private keep<K extends keyof Draft>(k: K, v: string): void {
    (this.draft as unknown as Record<string, string>)[k] = v;
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(this.draft));
  }

  private clearDraft(): void {
    this.draft = { to: "", subject: "", body: "", priority: "normal" };
    sessionStorage.removeItem(DRAFT_KEY);
    this.compose.reset();
    for (const el of this.compose.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea")) el.value = "";
    this.composeError.hidden = true;
    this.renderReply();
  }

  private renderPickers(): void {
    const names = new Set(this.store.recipients());
    for (const m of this.store.mail.values()) {
      names.add(m.from);
      for (const t of m.to) names.add(t);
    }
    const current = this.who.value;
    replace(this.who, h("option", { value: "" }, "everyone"), ...[...names].sort().map((n) => h("option", { value: n, selected: n === current }, n)));
    replace(this.datalist, ...this.store.recipients().map((n) => h("option", { value: n })));
  }

  private render(): void {
    this.renderPickers();
    const who = this.who.value;
    const all = [...this.store.mail.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
    const shown = all.filter((m) => (!who || m.from === who || m.to.includes(who) || m.deliveries.some((d) => d.recipient === who)) && (!this.thread || m.thread_id === this.thread));
    if (this.thread) {
      const first = all.filter((m) => m.thread_id === this.thread).at(-1);
      replace(this.threadBar, h("span", {}, "Thread ", h("strong", {}, first?.subject || this.thread), h("span.muted", {}, ` · ${shown.length} message${shown.length === 1 ? "" : "s"}`)), h("button", { type: "button", onclick: () => this.setThread(undefined) }, "All messages"));
      this.threadBar.hidden = false;
    } else this.threadBar.hidden = true;
    if (shown.length === 0) {
      replace(this.list, h("li.empty", {}, h("p", {}, "No messages yet."), h("p.muted", {}, "They appear here the moment one is sent: ", h("code", {}, "maestro send worker-1 'hello'"), ".")));
      return;
    }
    replace(this.list, ...(this.thread ? shown.reverse() : shown).map((m) => this.item(m)));
  }

  private item(m: MailView): HTMLElement {
    const statuses = m.deliveries.length ? m.deliveries : m.to.map((recipient) => ({ recipient, status: "queued" as const }));
    return h(
      "li.mail",
      { "data-id": m.id, "data-priority": m.priority },
      h(
        "div.mail-head",
        {},
        h("time.muted.mono", { datetime: m.created_at, title: new Date(m.created_at).toLocaleString() }, clock(m.created_at)),
        h("span.party", {}, m.from),
        h("span.arrow", { "aria-label": "to" }, "→"),
        h("span.party", {}, m.to.join(", ")),
        m.priority !== "normal" ? h(`span.badge.prio-${m.priority}`, {}, m.priority) : null,
        m.type !== "notification" ? h("span.badge.muted", {}, m.type) : null,
      ),
      m.subject ? h("div.mail-subject", {}, m.subject) : null,
      m.body ? h("div.mail-body", {}, m.body.length > 600 ? `${m.body.slice(0, 600)}…` : m.body) : null,
      h(
        "div.mail-foot",
        {},
        h("span.deliveries", {}, ...statuses.map((d) => h(`span.status.st-${d.status}`, { "data-recipient": d.recipient, "data-status": d.status, title: `${d.recipient}: ${d.status}` }, statuses.length > 1 ? `${d.recipient} ${d.status}` : d.status))),
        h("span.spacer"),
        this.thread ? null : h("button.link", { type: "button", onclick: () => this.setThread(m.thread_id) }, "Thread"),
        h("button.link", { type: "button", onclick: () => this.replyTo(m) }, "Reply"),
        h("span.muted.mono.mail-id", {}, m.id),
      ),
    );
  }

  private setThread(t: string | undefined): void {
    this.thread = t;
    this.render();
    if (t) {
      // Older messages of the thread than the timeline holds.
      void call("thread", { id: t })
        .then((msgs) => {
          let added = false;
          for (const v of msgs)
            if (!this.store.mail.has(v.id)) {
              this.store.mail.set(v.id, { ...v, deliveries: v.to.map((r) => ({ recipient: r, status: v.status ?? "queued" })) });
              added = true;
            }
          if (added) this.render();
        })
        .catch(() => {});
    }
  }

  private replyTo(m: MailView): void {
    this.draft.reply_to = m.id;
    this.keep("to", m.from);
    if (!this.draft.subject && m.subject) this.keep("subject", m.subject.startsWith("Re:") ? m.subject : `Re: ${m.subject}`);
    (this.compose.elements.namedItem("to") as HTMLInputElement).value = this.draft.to;
    (this.compose.elements.namedItem("subject") as HTMLInputElement).value = this.draft.subject;
    this.renderReply();
    (this.compose.elements.namedItem("body") as HTMLTextAreaElement).focus();
  }

  private renderReply(): void {
    const id = this.draft.reply_to;
    replace(this.replyLabel, id ? h("span", {}, `· reply to ${id} `, h("button.link", { type: "button", onclick: () => { delete this.draft.reply_to; this.keep("to", this.draft.to); this.renderReply(); } }, "not a reply")) : null);
  }

  private async send(e: Event): Promise<void> {
    e.preventDefault();
    this.composeError.hidden = true;
    this.composeNote.hidden = true;
    const to = this.draft.to.split(/[\s,]+/).filter(Boolean);
    const button = this.compose.querySelector("button[type=submit]") as HTMLButtonElement;
    button.disabled = true;
    try {
      const common = { body: this.draft.body, ...(this.draft.subject ? { subject: this.draft.subject } : {}), priority: this.draft.priority };
      const r = this.draft.reply_to ? await call("reply", { id: this.draft.reply_to, ...common }) : await call("send", { to, ...common });
      this.clearDraft();
      this.composeNote.textContent = `Sent ${r.id}.`;
      this.composeNote.hidden = false;
    } catch (err) {
      // The draft stays as typed: fix what the message says and send again.
      this.composeError.textContent = err instanceof ApiError ? err.message : String(err);
      this.composeError.hidden = false;
    } finally {
      button.disabled = false;
    }
  }
}

function loadDraft(): Draft {
  try {
    const d = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? "null") as Draft | null;
    if (d && typeof d.to === "string") return { to: d.to, subject: d.subject ?? "", body: d.body ?? "", priority: PRIORITIES.includes(d.priority) ? d.priority : "normal", ...(d.reply_to ? { reply_to: d.reply_to } : {}) };
  } catch {
    // A draft that does not parse is no draft.
  }
  return { to: "", subject: "", body: "", priority: "normal" };
}
