// The usage flags as the server's query: `[name, value]` pairs read by the core's
// `parseUsageRecordQuery` (§7.1, `adminCall("usageQuery")`), so `pie-storage usage list` and
// `GET /usage` read a query the same way.

import type { UsageRecordQuery } from "../types.js";
import { call, toWireArgs, wasm } from "../wasm.js";

/** The route whose query reading applies: `usage.list` (default limit 100) or `usage.summary` (no limit). */
export type QueryRoute = "usage.list" | "usage.summary";

/** The query the server would read from these parameters on `route`. */
export function usageQueryFromPairs(pairs: [string, string][], route: QueryRoute): UsageRecordQuery {
  const args = toWireArgs([route, pairs, null, Date.now()], "the query");
  return JSON.parse(call(() => wasm().adminCall("usageQuery", args))) as UsageRecordQuery;
}

/** `GET /usage/:requestId`'s body from the request's records (asc): `{requestId, count, summary, records, timeline, trace}`. */
export function usageDetail(requestId: string, records: unknown[]): Record<string, unknown> {
  const args = toWireArgs([requestId, records], "the records");
  return JSON.parse(call(() => wasm().adminCall("usageDetail", args))) as Record<string, unknown>;
}
