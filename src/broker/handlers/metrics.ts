import { renderMetrics } from "../metrics.ts";
import type { Broker, Handler } from "../types.ts";

/** The Prometheus exposition, as `maestro metrics` prints it and the HTTP endpoint serves it. */
export function metricsText(broker: Broker): string {
  const sessionsByState: Record<string, number> = { running: 0, exited: 0 };
  let attachedClients = 0;
  for (const s of broker.sessions.list()) {
    sessionsByState[s.running ? "running" : "exited"]!++;
    attachedClients += s.clients.size;
  }
  return renderMetrics(broker.metrics, {
    connections: broker.clients.size,
    messagesByState: broker.store.messages.countByState(),
    sessionsByState,
    attachedClients,
    pendingWaits: broker.router.pendingWaits,
    federation: broker.federation?.status(),
  });
}

export const metrics: Handler<"metrics"> = ({ broker }) => ({ text: metricsText(broker) });
