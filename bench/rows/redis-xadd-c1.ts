import { durableSendsRow } from "./durable-sends.ts";

export default durableSendsRow(1);
