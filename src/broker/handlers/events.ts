import type { Handler } from "../types.ts";

/** A stream of audit records and message events as they happen, until the client cancels. */
export const events: Handler<"events"> = ({ broker, client, openStream }) => {
  const stream = openStream();
  stream.onCancel(broker.audit.listen((e) => stream.event(e)));
  return null;
};
