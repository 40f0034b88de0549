/**
 * The HTML at `/`: the dashboard's shell (its script and styles are files from /assets, so the
 * strict CSP holds: no inline script), or, without a login, a page that says how to get one.
 */
const HEAD = `<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>maestro</title><link rel="stylesheet" href="/assets/app.css">`;

export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en"><head>${HEAD}<script type="module" src="/assets/app.js"></script></head>
<body><div id="app" class="app"><p class="boot">Connecting…</p></div></body></html>
`;
}

export function loginNeededPage(): string {
  return `<!doctype html>
<html lang="en"><head>${HEAD}</head>
<body><main class="gate"><h1 class="brand">maestro</h1><p>Not logged in.</p><p>Run <code>maestro web --open</code>, or open the one-time URL <code>maestro web</code> prints.</p></main></body></html>
`;
}
