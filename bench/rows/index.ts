/**
 * Every row, in the order the table prints them. A new row: add `rows/<id>.ts` exporting a Row
 * (see lib/types.ts) and list it here.
 */
import type { Row } from "../lib.ts";
import redisXaddC1 from "./redis-xadd-c1.ts";
import redisXaddC50 from "./redis-xadd-c50.ts";
import statusVsSendKeys from "./status-vs-send-keys.ts";

export const ROWS: Row[] = [statusVsSendKeys, redisXaddC1, redisXaddC50];
