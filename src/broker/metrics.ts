/**
 * Counters and histograms for `maestro metrics` (Prometheus text format 0.0.4). Counting is a
 * property increment on the hot path; everything that needs a query (messages by state) is read
 * only when metrics are asked for.
 */
import type { FederationStatus } from "../protocol/results.ts";

/** Upper bounds, in seconds, of the send-latency buckets (commit included). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class Histogram {
  private readonly counts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  private sum = 0;
  private count = 0;

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    const i = LATENCY_BUCKETS.findIndex((b) => seconds <= b);
    if (i >= 0) this.counts[i]!++;
  }

  render(name: string, help: string): string {
    let cumulative = 0;
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    LATENCY_BUCKETS.forEach((b, i) => {
      cumulative += this.counts[i]!;
      lines.push(`${name}_bucket{le="${b}"} ${cumulative}`);
    });
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
    return lines.join("\n");
  }
}

export class Metrics {
  readonly counters = {
    sends_ok: 0,
    sends_refused: 0,
    sends_invalid: 0,
    sends_failed: 0,
    deliveries: 0,
    auth_failures: 0,
    policy_denials: 0,
    rate_limited: 0,
    bytes_in: 0,
    bytes_out: 0,
    connections_accepted: 0,
  };
  readonly sendLatency = new Histogram();
}

export interface Gauges {
  connections: number;
  messagesByState: Record<string, number>;
  sessionsByState: Record<string, number>;
  attachedClients: number;
  pendingWaits: number;
  /** Present while `[federation]` is on. */
  federation?: FederationStatus | undefined;
}

/** The whole exposition: counters, gauges read now, and the latency histogram. */
export function renderMetrics(m: Metrics, g: Gauges): string {
  const c = m.counters;
  const out: string[] = [];
  const metric = (name: string, type: "counter" | "gauge", help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) out.push(`${name}${labels} ${v}`);
  };
  metric("maestro_sends_total", "counter", "Sends by outcome (refused: auth, policy, rate, size; invalid: usage, not found; failed: internal).", [
    ['{outcome="ok"}', c.sends_ok],
    ['{outcome="refused"}', c.sends_refused],
    ['{outcome="invalid"}', c.sends_invalid],
    ['{outcome="failed"}', c.sends_failed],
  ]);
  metric("maestro_deliveries_total", "counter", "Messages pushed to live subscribers or first listed by their recipient.", [["", c.deliveries]]);
  metric("maestro_auth_failures_total", "counter", "Connections refused: unknown or rotated tokens, other uids.", [["", c.auth_failures]]);
  metric("maestro_policy_denials_total", "counter", "Sends refused by a policy rule.", [["", c.policy_denials]]);
  metric("maestro_rate_limited_total", "counter", "Sends refused by the per-identity rate limit.", [["", c.rate_limited]]);
  metric("maestro_bytes_received_total", "counter", "Bytes read from client sockets.", [["", c.bytes_in]]);
  metric("maestro_bytes_sent_total", "counter", "Bytes written toward client sockets.", [["", c.bytes_out]]);
  metric("maestro_connections_accepted_total", "counter", "Client connections accepted.", [["", c.connections_accepted]]);
  metric("maestro_connections", "gauge", "Client connections past their hello.", [["", g.connections]]);
  metric("maestro_attached_clients", "gauge", "Clients attached to terminal sessions.", [["", g.attachedClients]]);
  metric("maestro_pending_waits", "gauge", "`send --wait` calls blocked in the daemon.", [["", g.pendingWaits]]);
  metric("maestro_messages", "gauge", "Deliveries by state (one per recipient of a message).", Object.entries(g.messagesByState).map(([s, n]) => [`{state="${s}"}`, n]));
  metric("maestro_sessions", "gauge", "Terminal sessions by state.", Object.entries(g.sessionsByState).map(([s, n]) => [`{state="${s}"}`, n]));
  const f = g.federation;
  if (f) {
    metric("maestro_federation_connected", "gauge", "1 while the daemon is connected to NATS with its stream, consumer and directory set up.", [["", f.connected ? 1 : 0]]);
    metric("maestro_federation_outbox", "gauge", "Messages and receipts committed here that JetStream has not stored yet.", [["", f.outbox]]);
    metric("maestro_federation_hosts", "gauge", "Hosts in the federation directory, this one included.", [["", f.hosts]]);
    metric("maestro_federation_envelopes_total", "counter", "Envelopes published, received (committed), dropped as duplicates, and refused (bad signature, unknown host, replay, spoofed sender).", [
      ['{event="published"}', f.published],
      ['{event="received"}', f.received],
      ['{event="duplicate"}', f.duplicates],
      ['{event="refused"}', f.refused],
    ]);
  }
  out.push(m.sendLatency.render("maestro_send_duration_seconds", "Time from a send request to its durable commit."));
  return `${out.join("\n")}\n`;
}
