/**
 * `npm run bench`: maestro against its peers, measured in the same run, printed as one table of
 * ratios (or JSON with --json). Builds dist/maestro if missing and installs missing peers when
 * root. Every row runs in its own cleanup scope; Ctrl-C still stops what the current row started.
 *
 *   bun bench/run.ts [--json] [--quick] [--only <row-id>[,<row-id>…]]…
 */
import {
  ALL_PEERS, Scope, ensureBuilt, ensurePeers, judge, killRunning, renderTable, unmeasured,
  type Peer, type Row, type RowResult,
} from "./lib.ts";
import { ROWS } from "./rows/index.ts";

interface Options {
  json: boolean;
  quick: boolean;
  only: string[];
}

const USAGE = `usage: bun bench/run.ts [--json] [--quick] [--only <row-id>[,<row-id>…]]…
rows: ${ROWS.map((r) => r.id).join(", ")}`;

function parseArgs(argv: string[]): Options {
  const opts: Options = { json: false, quick: false, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") opts.json = true;
    else if (arg === "--quick") opts.quick = true;
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      if (!value) usageError("--only needs a row id");
      opts.only.push(...value.split(",").map((s) => s.trim()).filter(Boolean));
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else usageError(`unknown argument ${arg}`);
  }
  const unknown = opts.only.filter((id) => !ROWS.some((r) => r.id === id));
  if (unknown.length > 0) usageError(`unknown row ${unknown.join(", ")}`);
  return opts;
}

function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function runRow(row: Row, quick: boolean, missing: Peer[], scope: Scope): Promise<RowResult> {
  const absent = row.needs.filter((p) => missing.includes(p));
  if (absent.length > 0) return unmeasured(row, `skipped: ${absent.join(", ")} not installed`);
  const t0 = performance.now();
  log(`${row.id}…`);
  try {
    return judge(row, await row.run({ quick, scope, log: (line) => log(`${row.id}: ${line}`) }));
  } catch (err) {
    return unmeasured(row, `error: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await scope.close();
    log(`${row.id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

async function main(): Promise<number> {
  const opts = parseArgs(Bun.argv.slice(2));
  const rows = opts.only.length > 0 ? ROWS.filter((r) => opts.only.includes(r.id)) : ROWS;
  const t0 = performance.now();
  await ensureBuilt(log);
  // A full run readies every peer the bench knows; a partial one only what its rows need.
  const missing = await ensurePeers(opts.only.length > 0 ? rows.flatMap((r) => r.needs) : ALL_PEERS, log);

  let current: Scope | undefined;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      log(`${signal}: cleaning up`);
      killRunning();
      void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }

  const results: RowResult[] = [];
  for (const row of rows) {
    current = new Scope();
    results.push(await runRow(row, opts.quick, missing, current));
  }
  current = undefined;

  process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${renderTable(results)}\n`);
  log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s${opts.quick ? " (--quick: smoke check, not figures to quote)" : ""}`);
  // Something that broke (not a missed target, nor a row skipped for a missing peer) fails the run.
  const broke = results.some((r) => [r.maestro, r.peer].some((c) => c.kind === "missing" && c.reason.startsWith("error:")));
  return broke ? 1 : 0;
}

// Explicit exit: nothing a row left behind (a stray timer, a socket) may keep the bench alive.
process.exit(await main());
