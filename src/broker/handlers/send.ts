import type { Handler } from "../types.ts";

export const send: Handler<"send"> = ({ broker, client }, args) => broker.router.send(client.identity, args);
