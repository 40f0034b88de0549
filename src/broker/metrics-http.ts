/**
 * The optional Prometheus endpoint: GET /metrics on a loopback address, only with
 * `Authorization: Bearer <metrics.token>`. Refused at start-up if the address is not loopback or
 * the token is empty, so metrics can never be exposed by accident.
 */
import { timingSafeEqual } from "node:crypto";
import { MaestroError } from "../protocol/errors.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Checks metrics.listen and metrics.token; returns host and port. Called when config loads. */
export function checkMetricsListen(listen: string, token: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  const host = m?.[1]?.replace(/^\[|\]$/g, "");
  if (!m || !host || !LOOPBACK.has(host) || Number(m[2]) > 65535) {
    throw new MaestroError("usage", `metrics.listen "${listen}" must be a loopback address with a port, e.g. "127.0.0.1:9464"`);
  }
  if (token.length < 16) throw new MaestroError("usage", "metrics.token must be set (16 characters or more) when metrics.listen is");
  return { host, port: Number(m[2]) };
}

export function serveMetrics(listen: string, token: string, render: () => string): { stop(): void } {
  const { host, port } = checkMetricsListen(listen, token);
  const expected = Buffer.from(`Bearer ${token}`);
  const server = Bun.serve({
    hostname: host,
    port,
    fetch(req) {
      const got = Buffer.from(req.headers.get("authorization") ?? "");
      if (got.byteLength !== expected.byteLength || !timingSafeEqual(got, expected)) {
        return new Response("unauthorized\n", { status: 401, headers: { "www-authenticate": "Bearer" } });
      }
      if (new URL(req.url).pathname !== "/metrics") return new Response("not found\n", { status: 404 });
      return new Response(render(), { headers: { "content-type": "text/plain; version=0.0.4" } });
    },
  });
  return { stop: () => server.stop(true) };
}
