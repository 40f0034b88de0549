import type { Handler } from "../types.ts";

export const whoami: Handler<"whoami"> = ({ client }) => ({ ...client.identity });
