/**
 * The page at `/` until the dashboard lands here (src/web/ui/ is its room): it says whether the
 * login worked. No script and no inline style, so the strict CSP holds as is.
 */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function placeholderPage(state: { who: string; scope?: string } | undefined): string {
  const body = state
    ? `<p>Logged in as <b>${esc(state.who)}</b>${state.scope ? ` (a share link for session <b>${esc(state.scope)}</b>)` : ""}.</p>
<p>The dashboard is coming. Meanwhile this browser can use the HTTP API (<code>POST /api/v1/&lt;request&gt;</code>) and the <code>maestro.v1</code> WebSocket at <code>/ws</code>.</p>`
    : `<p>Not logged in. Run <code>maestro web</code> and open the one-time URL it prints.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>maestro</title></head>
<body><h1>maestro</h1>
${body}
</body></html>
`;
}
