/**
 * The one line typed into a `--notify inject` session. Notices are for agents, not shells (the
 * injector holds them while a shell, editor or pager is in front), but if one ever reaches a
 * shell it must do nothing: every character is one that no shell, REPL or editor command line
 * treats specially — ASCII letters, digits, spaces and `.,:-_/` — the sender's text included,
 * and the first word (`maestro:`) is no command.
 */

export interface NoticeItem {
  id: string;
  from: string;
  subject: string;
  body: string;
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

export function notice(name: string, messages: NoticeItem[]): string {
  const items = messages.map((m) => {
    const what = safeText(m.subject || m.body, SUBJECT_MAX);
    return `${safeText(m.id, 32)} from ${safeText(m.from, 64)}${what ? `: ${what}` : ""}`;
  });
  const n = messages.length;
  const ids = messages.map((m) => safeText(m.id, 32)).join(" ");
  return `maestro: ${n} new message${n === 1 ? "" : "s"} for ${safeText(name, 64)}: ${items.join(" -- ")} -- read: maestro read ${ids}`;
}
