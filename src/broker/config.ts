/**
 * `config.toml` (SPEC §2): optional, every key has a default. Unknown keys and wrong types are
 * refused at start-up with the key named, rather than silently ignored.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parse, TomlError } from "smol-toml";
import { MaestroError } from "../protocol/errors.ts";
import type { InjectConfig } from "../pty/injector.ts";
import { parseDetachKey } from "../protocol/keys.ts";
import { DEFAULT_HOLD_FOR } from "../protocol/programs.ts";
import { checkMetricsListen } from "./metrics-http.ts";
import type { DesktopNotify } from "../protocol/results.ts";

const DESKTOP_NOTIFY: readonly DesktopNotify[] = ["auto", "osc9", "osc777", "off"];
import { parsePolicy, type PolicyRule } from "./policy.ts";
import { checkWebListen } from "../protocol/listen.ts";

export interface Config {
  daemon: {
    /** A connection that has not said hello by then is closed. */
    hello_timeout_ms: number;
    /** A frame must arrive whole within this long of its first byte. */
    frame_timeout_ms: number;
    max_connections: number;
    /** Replies queued for a client that does not read; past this the connection is closed. */
    max_outbox_bytes: number;
    /** daemon.log rotates to daemon.log.1 when it would grow past this… */
    log_max_bytes: number;
    /** …and this many old files are kept (daemon.log.1 … .N). */
    log_keep: number;
  };
  sessions: {
    /** Output kept per session while nobody (or a slow client) reads it. */
    ring_bytes: number;
    /** Lines of history the screen tracker keeps (what `peek --lines` can show). */
    scrollback_lines: number;
    /** History lines `attach` puts into the outer terminal's scrollback. */
    attach_history_lines: number;
    /** The default detach key: a control key (`C-\\`, `C-a`) or `none`. */
    detach_key: string;
    /** Past this many bytes queued toward a client, it stops receiving live output… */
    high_water_bytes: number;
    /** …until its queue is back under this, when it gets a fresh screen and resumes. */
    low_water_bytes: number;
    max_sessions: number;
    max_clients: number;
    /** A session's `new --log` file rotates past this size… */
    log_max_bytes: number;
    /** …keeping this many old files (<name>.log.1 … .N). */
    log_keep: number;
  };
  /** Typing message notices into `--notify inject` sessions (SPEC §7). */
  inject: InjectConfig;
  limits: {
    body_bytes: number;
    attachment_bytes: number;
    /** Token bucket per identity; 0 turns the limit off. */
    sends_per_second: number;
    send_burst: number;
    /** The operator (and `maestro bench`) is exempt unless this is set. */
    rate_limit_operator: boolean;
    /** Connections one session or agent identity may hold (the operator is exempt); 0 = no cap. */
    max_connections_per_identity: number;
    /** Connections one process (by its SO_PEERCRED pid) may hold; 0 = no cap. */
    max_connections_per_process: number;
    /** Slots beyond daemon.max_connections that only the operator outside sessions may use. */
    operator_reserved_connections: number;
  };
  /** Ordered allow/deny rules; the first match decides; none matching allows. */
  policy: PolicyRule[];
  metrics: {
    /** "127.0.0.1:9464" serves /metrics over HTTP (loopback only); "" = off. */
    listen: string;
    /** Required bearer token for the HTTP endpoint. */
    token: string;
  };
  /** The web gateway (HTTP API + `maestro.v1` WebSocket): src/web/. */
  web: {
    /** "127.0.0.1:7681" listens from start-up; "" = only when `maestro web` asks. */
    listen: string;
    /** PEM files; both set allow a non-loopback listener (HTTPS/WSS). */
    tls_cert: string;
    tls_key: string;
    /** Terminal bytes sent to one WebSocket client and not yet acknowledged, at most. */
    window_bytes: number;
    /** WebSocket connections plus HTTP requests in flight from one address. */
    max_connections_per_ip: number;
    /** How long a login code works (at most, and by default, 5 minutes). */
    login_code_ms: number;
    /** Further host names (`name` or `name:port`) the server answers to, for Host and Origin checks. */
    hosts: string[];
  };
  audit: {
    /** Audit records older than this many days are deleted (hourly); 0 keeps them for ever. */
    keep_days: number;
  };
  messages: {
    /** How long an --ack message waits for its ack before it is pushed again. */
    ack_wait_ms: number;
    /** Pushes of an --ack message before it is dead with reason max_deliver. */
    max_deliver: number;
    /** A repeated --idempotency-key within this window returns the first id. */
    idempotency_window_ms: number;
    /** How often expiry and redelivery are checked. */
    sweep_ms: number;
  };
  /** Several hosts through NATS JetStream (SPEC §12, docs/federation.md); off while `nats` is "". */
  federation: FederationConfig;
}

export interface FederationConfig {
  /** "nats://host:4222" (several, comma-separated); "" = federation off. */
  nats: string;
  /** This daemon's name in `name@host` addresses; "" = the machine's hostname. */
  host: string;
  user: string;
  password: string;
  token: string;
  /** A NATS .creds file (JWT + nkey seed). */
  creds: string;
  tls_ca: string;
  tls_cert: string;
  tls_key: string;
  /** An envelope signed this far from when JetStream stored it is a replay, and refused. */
  clock_window_ms: number;
  /** Hosts whose operator may peek, type into and kill this host's sessions; none by default. */
  remote_control: string[];
  /** The JetStream domain that holds the federation's streams (a leaf node with JetStream of its own); "" = the local one. */
  domain: string;
  /** A remote terminal or wait whose link is silent this long ends (with a line saying so). */
  link_timeout_ms: number;
}

export const DEFAULT_CONFIG: Config = {
  daemon: {
    hello_timeout_ms: 10_000,
    frame_timeout_ms: 10_000,
    max_connections: 1024,
    max_outbox_bytes: 64 * 1024 * 1024,
    log_max_bytes: 10 * 1024 * 1024,
    log_keep: 3,
  },
  sessions: {
    ring_bytes: 2 * 1024 * 1024,
    scrollback_lines: 10_000,
    attach_history_lines: 1000,
    detach_key: "C-\\",
    high_water_bytes: 1024 * 1024,
    low_water_bytes: 64 * 1024,
    max_sessions: 1000,
    max_clients: 64,
    log_max_bytes: 10 * 1024 * 1024,
    log_keep: 3,
  },
  inject: {
    quiet_ms: 1500,
    typing_ms: 5000,
    confirm_ms: 500,
    enter_retries: 2,
    retry_ms: 10_000,
    hold_for: [...DEFAULT_HOLD_FOR],
    max_hold_ms: 60_000,
    max_hold_high_ms: 10_000,
    max_hold_urgent_ms: 0,
    banner_ms: 8_000,
    desktop_notify: "auto",
  },
  limits: {
    body_bytes: 1024 * 1024,
    attachment_bytes: 10 * 1024 * 1024,
    sends_per_second: 50,
    send_burst: 200,
    rate_limit_operator: false,
    max_connections_per_identity: 256,
    max_connections_per_process: 256,
    operator_reserved_connections: 16,
  },
  policy: [],
  metrics: {
    listen: "",
    token: "",
  },
  web: {
    listen: "",
    tls_cert: "",
    tls_key: "",
    window_bytes: 1024 * 1024,
    max_connections_per_ip: 8,
    login_code_ms: 5 * 60_000,
    hosts: [],
  },
  audit: {
    keep_days: 90,
  },
  messages: {
    ack_wait_ms: 30_000,
    max_deliver: 5,
    idempotency_window_ms: 10 * 60_000,
    sweep_ms: 1000,
  },
  federation: {
    nats: "",
    host: "",
    user: "",
    password: "",
    token: "",
    creds: "",
    tls_ca: "",
    tls_cert: "",
    tls_key: "",
    clock_window_ms: 5 * 60_000,
    remote_control: [],
    domain: "",
    link_timeout_ms: 15_000,
  },
};

export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return structuredClone(DEFAULT_CONFIG);
    throw new MaestroError("internal", `cannot read config ${path}: ${(err as Error).message}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = parse(text);
  } catch (err) {
    // path:line:column, as compilers print it, so an editor can jump there.
    const where = err instanceof TomlError ? `${path}:${err.line}:${err.column}` : path;
    const what = (err as Error).message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    throw new MaestroError("usage", `config ${where}: not valid TOML: ${what}`);
  }
  const { policy, ...rest } = raw;
  const config = merge(structuredClone(DEFAULT_CONFIG), rest, path, "");
  if (policy !== undefined) config.policy = parsePolicy(policy, path);
  if (config.metrics.listen) checkMetricsListen(config.metrics.listen, config.metrics.token);
  if (config.web.listen) checkWebListen(config.web.listen, config.web, path);
  checkFederation(config.federation, path);
  return check(config, path);
}

/** Relations between keys that the per-key type check cannot see. */
function check(config: Config, file: string): Config {
  const s = config.sessions;
  const bad = (msg: string): never => {
    throw new MaestroError("usage", `config ${file}: ${msg}`);
  };
  if (!Number.isInteger(s.ring_bytes) || s.ring_bytes < 4096) bad(`"sessions.ring_bytes" must be an integer of at least 4096`);
  if (!Number.isInteger(s.scrollback_lines)) bad(`"sessions.scrollback_lines" must be an integer`);
  if (!Number.isInteger(s.attach_history_lines)) bad(`"sessions.attach_history_lines" must be an integer`);
  for (const key of ["max_connections_per_identity", "max_connections_per_process", "operator_reserved_connections"] as const) {
    if (!Number.isInteger(config.limits[key])) bad(`"limits.${key}" must be an integer`);
  }
  if (!Number.isInteger(config.daemon.max_connections) || config.daemon.max_connections < 1) bad(`"daemon.max_connections" must be an integer of at least 1`);
  const keep = config.audit.keep_days;
  if (!Number.isInteger(keep) || keep < 0 || keep > 36_500) bad(`"audit.keep_days" must be a whole number of days from 0 (keep for ever) to 36500`);
  const w = config.web;
  if (!Number.isInteger(w.window_bytes) || w.window_bytes < 4096 || w.window_bytes > config.daemon.max_outbox_bytes / 2) bad(`"web.window_bytes" must be an integer from 4096 to half of "daemon.max_outbox_bytes"`);
  if (!Number.isInteger(w.login_code_ms) || w.login_code_ms < 1 || w.login_code_ms > 5 * 60_000) bad(`"web.login_code_ms" must be an integer from 1 to 300000 (5 minutes)`);
  if (!Number.isInteger(w.max_connections_per_ip) || w.max_connections_per_ip < 1) bad(`"web.max_connections_per_ip" must be an integer of at least 1`);
  for (const table of ["daemon", "sessions"] as const) {
    const { log_max_bytes, log_keep } = config[table];
    if (!Number.isInteger(log_max_bytes) || log_max_bytes < 4096) bad(`"${table}.log_max_bytes" must be an integer of at least 4096`);
    if (!Number.isInteger(log_keep) || log_keep > 100) bad(`"${table}.log_keep" must be an integer from 0 to 100`);
  }
  const inj = config.inject;
  for (const key of ["max_hold_ms", "max_hold_high_ms", "max_hold_urgent_ms", "banner_ms"] as const) {
    if (!Number.isInteger(inj[key]) || inj[key] > 24 * 3600_000) bad(`"inject.${key}" must be an integer number of ms, at most 86400000 (a day)`);
  }
  if (inj.max_hold_urgent_ms > inj.max_hold_high_ms || inj.max_hold_high_ms > inj.max_hold_ms) {
    bad(`"inject.max_hold_urgent_ms" ≤ "inject.max_hold_high_ms" ≤ "inject.max_hold_ms" must hold (now ${inj.max_hold_urgent_ms}, ${inj.max_hold_high_ms}, ${inj.max_hold_ms}): an urgent message never waits longer than a normal one`);
  }
  if (inj.banner_ms < 100) bad(`"inject.banner_ms" must be at least 100`);
  if (!DESKTOP_NOTIFY.includes(inj.desktop_notify)) bad(`"inject.desktop_notify" must be one of ${DESKTOP_NOTIFY.map((d) => `"${d}"`).join(", ")}`);
  if (s.low_water_bytes >= s.high_water_bytes) bad(`"sessions.low_water_bytes" must be below "sessions.high_water_bytes"`);
  if (s.high_water_bytes > config.daemon.max_outbox_bytes / 2) bad(`"sessions.high_water_bytes" must be at most half of "daemon.max_outbox_bytes"`);
  try {
    parseDetachKey(s.detach_key);
  } catch (err) {
    bad(`"sessions.detach_key": ${(err as Error).message}`);
  }
  return config;
}

/** A host name is one NATS subject token and one KV key: lower-case letters, digits, - and _. */
export const HOST_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The machine's hostname as a host name: lower-cased, its domain dropped, odd characters as "-". */
export function defaultHost(): string {
  const h = hostname().split(".")[0]!.toLowerCase().replace(/[^a-z0-9_-]/g, "-").replace(/^[^a-z0-9]+/, "");
  return (h || "host").slice(0, 63);
}

function checkFederation(f: FederationConfig, file: string): void {
  const bad = (msg: string): never => {
    throw new MaestroError("usage", `config ${file}: ${msg}`);
  };
  const set = Object.entries(f).filter(([k, v]) => k !== "nats" && k !== "clock_window_ms" && k !== "link_timeout_ms" && v !== "" && !(Array.isArray(v) && v.length === 0));
  if (f.nats === "") {
    if (set.length > 0) bad(`"federation.${set[0]![0]}" is set but "federation.nats" is not: give the NATS server, e.g. nats = "nats://127.0.0.1:4222"`);
    return;
  }
  for (const url of f.nats.split(",")) {
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(url.trim())) bad(`"federation.nats": "${url.trim()}" is not a NATS address; use nats://host:port (or tls://host:port), comma-separated for several`);
  }
  if (f.host === "") f.host = defaultHost();
  else if (!HOST_RE.test(f.host)) bad(`"federation.host": "${f.host}" must be 1–63 of a-z 0-9 _ - (it is one NATS subject token), starting with a letter or digit`);
  if ((f.user === "") !== (f.password === "")) bad(`"federation.user" and "federation.password" go together: set both or neither`);
  const ways = [f.user !== "" && "user/password", f.token !== "" && "token", f.creds !== "" && "creds"].filter(Boolean);
  if (ways.length > 1) bad(`federation: use one way to authenticate to NATS, not ${ways.join(" and ")}`);
  if ((f.tls_cert === "") !== (f.tls_key === "")) bad(`"federation.tls_cert" and "federation.tls_key" go together: set both or neither`);
  for (const key of ["creds", "tls_ca", "tls_cert", "tls_key"] as const) {
    if (f[key] === "") continue;
    try {
      readFileSync(f[key]);
    } catch (err) {
      bad(`"federation.${key}": cannot read ${f[key]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  for (const h of f.remote_control) if (!HOST_RE.test(h)) bad(`"federation.remote_control": "${h}" is not a host name (a-z 0-9 _ -)`);
  if (!Number.isInteger(f.clock_window_ms) || f.clock_window_ms < 1000) bad(`"federation.clock_window_ms" must be an integer of at least 1000`);
  // One subject token ($JS.<domain>.API.…), as nats-server's own `jetstream { domain }` takes it.
  if (f.domain !== "" && !/^[A-Za-z0-9_-]{1,64}$/.test(f.domain)) bad(`"federation.domain": "${f.domain}" is not a JetStream domain: 1–64 of A-Z a-z 0-9 _ - (the hub's jetstream { domain: … })`);
  if (!Number.isInteger(f.link_timeout_ms) || f.link_timeout_ms < 1000 || f.link_timeout_ms > 3_600_000) bad(`"federation.link_timeout_ms" must be an integer from 1000 to 3600000`);
}

function merge<T extends object>(base: T, raw: Record<string, unknown>, file: string, prefix: string): T {
  for (const [key, value] of Object.entries(raw)) {
    const name = prefix + key;
    if (!Object.hasOwn(base, key)) throw new MaestroError("usage", `config ${file}: unknown key "${name}"`);
    const current = (base as Record<string, unknown>)[key];
    if (Array.isArray(current)) {
      (base as Record<string, unknown>)[key] = stringList(value, file, name);
    } else if (typeof current === "object" && current !== null) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new MaestroError("usage", `config ${file}: "${name}" must be a table`);
      }
      merge(current, value as Record<string, unknown>, file, `${name}.`);
    } else if (typeof current === "number") {
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new MaestroError("usage", `config ${file}: "${name}" must be a non-negative number`);
      }
      (base as Record<string, unknown>)[key] = value;
    } else if (typeof value !== typeof current) {
      throw new MaestroError("usage", `config ${file}: "${name}" must be a ${typeof current}`);
    } else {
      (base as Record<string, unknown>)[key] = value;
    }
  }
  return base;
}

/** A list of program names (`inject.hold_for`): it replaces the default list whole. */
function stringList(value: unknown, file: string, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && /^[^\s/]{1,64}$/.test(v))) {
    throw new MaestroError("usage", `config ${file}: "${name}" must be a list of program names, e.g. ["bash", "vim"]`);
  }
  return value as string[];
}
