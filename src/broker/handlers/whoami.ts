import { connectedNames, presenceOf } from "./agents.ts";
import type { Handler } from "../types.ts";

export const whoami: Handler<"whoami"> = ({ broker, client }) => presenceOf(broker, client.identity, connectedNames(broker));
