/**
 * Every row, in the order the table prints them. A new row: add `rows/<id>.ts` exporting a Row
 * (see lib/types.ts) and list it here.
 */
import type { Row } from "../lib.ts";
import attachLatency from "./attach-latency.ts";
import dashboardTab from "./dashboard-tab.ts";
import attachThroughput, { attachThroughputTmux } from "./attach-throughput.ts";
import { fedLatency, fedSendsC1, fedSendsC50 } from "./federation.ts";
import followLatency from "./follow-latency.ts";
import idleShellsRss, { idleShellsRss1000 } from "./idle-shells-rss.ts";
import fanoutSubscribers from "./fanout-subscribers.ts";
import { identitiesSendC1, identitiesSendProcess } from "./identities-10k.ts";
import inbox1m from "./inbox-1m.ts";
import inject from "./inject.ts";
import mcpSend from "./mcp-send.ts";
import injectQuiet from "./inject-quiet.ts";
import { bunFloorVsSendKeys, sendVsBunFloor, sendVsSendKeys, statusVsSendKeys } from "./process-vs-send-keys.ts";
import { echoFloorC1, echoFloorC50, sqliteCommitFloor } from "./bun-echo-floor.ts";
import redisXaddC1 from "./redis-xadd-c1.ts";
import redisXaddC50 from "./redis-xadd-c50.ts";
import remoteAttachThroughput from "./remote-attach-throughput.ts";
import sessionCycles from "./session-cycles.ts";
import { webClientRss, webEchoLatency, webThroughput, webThroughputCli } from "./web.ts";

export const ROWS: Row[] = [
  statusVsSendKeys,
  sendVsSendKeys,
  bunFloorVsSendKeys,
  sendVsBunFloor,
  redisXaddC1,
  redisXaddC50,
  echoFloorC1,
  echoFloorC50,
  sqliteCommitFloor,
  followLatency,
  fanoutSubscribers,
  inbox1m,
  attachThroughput,
  attachThroughputTmux,
  remoteAttachThroughput,
  attachLatency,
  idleShellsRss,
  idleShellsRss1000,
  identitiesSendProcess,
  identitiesSendC1,
  sessionCycles,
  inject,
  injectQuiet,
  webThroughput,
  webThroughputCli,
  webEchoLatency,
  webClientRss,
  mcpSend,
  dashboardTab,
  fedLatency,
  fedSendsC1,
  fedSendsC50,
];
