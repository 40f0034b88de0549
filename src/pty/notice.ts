/**
 * The one line typed into a `--notify inject` session. Notices are for agents, not shells (the
 * injector holds them while a shell, editor or pager is in front), but if one ever reaches a
 * shell it must do nothing: every character is one that no shell, REPL or editor command line
 * treats specially — ASCII letters, digits, spaces and `.,:-_/` — the sender's text included,
 * and the first word (`maestro:`) is no command.
 */
import { PRIORITIES, type Priority } from "../protocol/message.ts";

export interface NoticeItem {
  id: string;
  from: string;
  subject: string;
  body: string;
  priority: Priority;
}

/** Subjects (or bodies standing in for them) are cut to this many characters. */
export const SUBJECT_MAX = 60;

/**
 * A sender's text reduced to ASCII letters, digits, spaces and `.,:-_/`: anything else becomes a
 * space, runs of spaces one, cut at a word boundary within `max` (with `...`). "" when nothing is left.
 */
export function safeText(text: string, max: number): string {
  const flat = text.replace(/[^A-Za-z0-9 .,:\-_/]+/g, " ").replace(/ +/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 3);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}...`;
}

/** Urgent first, then high, normal, low; arrival order within each (the sort is stable). */
export function byPriority<T extends { priority: Priority }>(messages: Iterable<T>): T[] {
  return [...messages].sort((a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority));
}

/** One message as a notice or banner names it; urgent and high ones say so. */
function item(m: NoticeItem): string {
  const what = safeText(m.subject || m.body, SUBJECT_MAX);
  const tag = m.priority === "urgent" || m.priority === "high" ? `${m.priority} ` : "";
  return `${tag}${safeText(m.id, 32)} from ${safeText(m.from, 64)}${what ? `: ${what}` : ""}`;
}

export function notice(name: string, messages: NoticeItem[]): string {
  const items = messages.map(item);
  const n = messages.length;
  const ids = messages.map((m) => safeText(m.id, 32)).join(" ");
  return `maestro: ${n} new message${n === 1 ? "" : "s"} for ${safeText(name, 64)}: ${items.join(" -- ")} -- read: maestro read ${ids}`;
}

/** Messages a banner names at most; the rest are counted. */
const BANNER_ITEMS = 3;

/**
 * The one line an attached client shows (not typed into the program) when notices have waited
 * past their bound: same character set as a notice, so a client may print it as it is.
 */
export function bannerText(name: string, messages: NoticeItem[], why: string): string {
  const n = messages.length;
  const more = n > BANNER_ITEMS ? ` -- and ${n - BANNER_ITEMS} more` : "";
  return `maestro: ${n} message${n === 1 ? "" : "s"} for ${safeText(name, 64)} waiting ${safeText(why, 40)}: ${messages.slice(0, BANNER_ITEMS).map(item).join(" -- ")}${more} -- typed at the next pause, or: maestro read ${messages.map((m) => safeText(m.id, 32)).join(" ")}`;
}
