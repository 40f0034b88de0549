/**
 * `--listen ADDR:PORT` and `[web] listen`: parsed and checked before anything listens. A loopback
 * address is reachable only from this machine; any other is refused unless TLS is configured,
 * because the login cookie and every keystroke would otherwise cross the network in clear.
 * Kept free of imports: config.ts checks `[web] listen` with it at start-up.
 */
import { MaestroError } from "./errors.ts";

export const DEFAULT_WEB_LISTEN = "127.0.0.1:7681";

export interface ListenAddress {
  host: string;
  port: number;
  loopback: boolean;
  /** 0.0.0.0 or ::: every interface. */
  wildcard: boolean;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function parseListen(listen: string): ListenAddress {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(listen);
  const host = m?.[1]?.replace(/^\[|\]$/g, "");
  const port = Number(m?.[2]);
  if (!m || !host || port > 65535) {
    throw new MaestroError("usage", `web listen address "${listen}" must be ADDR:PORT, e.g. "127.0.0.1:7681" (port 0 picks a free one)`);
  }
  return { host, port, loopback: isLoopback(host), wildcard: host === "0.0.0.0" || host === "::" };
}

/** Throws (refused, exit 6) for a non-loopback address without both TLS files. */
export function checkWebListen(listen: string, tls: { tls_cert: string; tls_key: string }, where?: string): ListenAddress {
  const addr = parseListen(listen);
  if (!addr.loopback && !(tls.tls_cert && tls.tls_key)) {
    throw new MaestroError(
      "forbidden",
      `${where ? `config ${where}: ` : ""}refusing to listen on ${listen}: it is not a loopback address, and without TLS the login cookie and every keystroke would cross the network in clear; set [web] tls_cert and tls_key in config.toml, or listen on 127.0.0.1`,
    );
  }
  return addr;
}
