/** The events feed (audit records and message lifecycle), live and filterable, under the rates chart. */
import type { DaemonEvent } from "../../../protocol/results.ts";
import { Sparkline } from "./chart.ts";
import { bytes, clock, h, replace } from "./dom.ts";
import { MAX_RATES, type Store } from "./store.ts";

const SHOWN = 300;

function describe(e: DaemonEvent): { who: string; what: string; target: string; outcome: string; detail: string } {
  if (e.kind === "message") return { who: e.from ?? "", what: `message.${e.event}`, target: e.to.join(", "), outcome: "ok", detail: e.id };
  return { who: e.actor, what: e.action, target: e.target, outcome: e.outcome, detail: e.detail };
}

export class EventsView {
  readonly el: HTMLElement;
  private readonly feed = h("ol.feed", { "aria-label": "Events, newest first" });
  private readonly filter: HTMLInputElement = h("input", { type: "search", placeholder: "Filter: actor, action, target…", "aria-label": "Filter events", oninput: () => this.render() });
  private readonly kind: HTMLSelectElement = h("select", { "aria-label": "Kind of event", onchange: () => this.render() }, h("option", { value: "" }, "all events"), h("option", { value: "audit" }, "audit only"), h("option", { value: "message" }, "messages only"), h("option", { value: "denied" }, "refused only"));
  private readonly msgs = new Sparkline("messages / s", (n) => (n < 10 ? n.toFixed(1) : String(Math.round(n))), "tone-accent");
  private readonly bytes = new Sparkline("terminal output / s", (n) => bytes(n), "tone-ok");
  private readonly off: () => void;
  private queued = false;

  constructor(private readonly store: Store) {
    this.el = h(
      "section.view.events",
      { "aria-labelledby": "events-title" },
      h("header.view-head", {}, h("h1#events-title", {}, "Events"), h("div.filters", {}, this.kind, this.filter)),
      h("div.charts", {}, this.msgs.el, this.bytes.el),
      this.feed,
    );
    this.off = store.on("events", () => this.schedule());
    this.render();
  }

  dispose(): void {
    this.off();
  }

  /** A burst of events redraws once per frame. */
  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.render();
    });
  }

  private render(): void {
    const r = this.store.rates;
    this.msgs.draw(r.map((p) => p.msgs), MAX_RATES);
    this.bytes.draw(r.map((p) => p.bytes), MAX_RATES);
    const q = this.filter.value.trim().toLowerCase();
    const kind = this.kind.value;
    const rows: HTMLElement[] = [];
    for (let i = this.store.events.length - 1; i >= 0 && rows.length < SHOWN; i--) {
      const e = this.store.events[i]!;
      const d = describe(e);
      if (kind === "denied" ? d.outcome === "ok" : kind && e.kind !== kind) continue;
      if (q && !`${d.who} ${d.what} ${d.target} ${d.detail}`.toLowerCase().includes(q)) continue;
      rows.push(
        h(
          "li.event",
          { "data-outcome": d.outcome },
          h("time.muted.mono", { datetime: e.at }, clock(e.at)),
          h("span.event-what", {}, d.what),
          h("span.event-who", {}, d.who),
          h("span.event-target", {}, d.target),
          h("span.event-outcome", {}, d.outcome !== "ok" ? h("span.badge.bad", {}, d.outcome) : null),
          h("span.event-detail.muted", { title: d.detail }, d.detail),
        ),
      );
    }
    if (rows.length === 0) replace(this.feed, h("li.empty", {}, this.store.events.length ? "Nothing matches the filter." : "Waiting for the first event…"));
    else replace(this.feed, ...rows);
  }
}
