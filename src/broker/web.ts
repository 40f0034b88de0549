/**
 * Starting the web gateway. src/web/ is imported here, on first use, so a daemon that never
 * serves the web never loads it.
 */
import { MaestroError } from "../protocol/errors.ts";
import { checkWebListen, DEFAULT_WEB_LISTEN } from "../protocol/listen.ts";
import type { Broker, WebGateway } from "./types.ts";

export async function startWeb(broker: Broker, listen: string | undefined): Promise<WebGateway> {
  const requested = listen ?? (broker.config.web.listen || DEFAULT_WEB_LISTEN);
  const addr = checkWebListen(requested, broker.config.web);
  const running = broker.web.gateway;
  if (running) {
    if (listen !== undefined && listen !== running.requested && listen !== running.listen) {
      throw new MaestroError("usage", `the web gateway already listens on ${running.listen}; \`maestro web --stop\` first to listen on ${listen}`);
    }
    return running;
  }
  const { Gateway } = await import("../web/index.ts");
  if (broker.web.gateway) return broker.web.gateway; // a concurrent start won
  const gateway = new Gateway(broker, { addr, requested });
  broker.web.gateway = gateway;
  broker.log.info(`web gateway listening on ${gateway.listen}${gateway.tls ? " (TLS)" : ""}`);
  return gateway;
}

export function stopWeb(broker: Broker): string | null {
  const g = broker.web.gateway;
  if (!g) return null;
  broker.web.gateway = undefined;
  g.stop();
  broker.log.info(`web gateway on ${g.listen} stopped`);
  return g.listen;
}
