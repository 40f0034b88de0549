import { renderMetrics } from "../metrics.ts";
import type { Broker, Handler } from "../types.ts";

/** The Prometheus exposition, as `maestro metrics` prints it and the HTTP endpoint serves it. */
export function metricsText(broker: Broker): string {
  return renderMetrics(broker.metrics, {
    connections: broker.clients.size,
    messagesByState: broker.store.messages.countByState(),
    sessionsByState: {},
    attachedClients: 0,
    pendingWaits: broker.router.pendingWaits,
  });
}

export const metrics: Handler<"metrics"> = ({ broker }) => ({ text: metricsText(broker) });
