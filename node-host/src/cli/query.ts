// The usage flags as the server's query: `[name, value]` pairs read by the core's
// `parseUsageRecordQuery` (§7.1), so the CLI and `/usage` read a query the same way.

import type { UsageRecordQuery } from "../types.js";
import { call, wasm } from "../wasm.js";

export interface QueryOptions {
  defaultLimit?: number;
  includeLimit?: boolean;
}

/** The query the server would read from these parameters. */
export function usageQueryFromPairs(pairs: [string, string][], options: QueryOptions = {}): UsageRecordQuery {
  const core = wasm() as unknown as { parseUsageRecordQuery?: (pairs: string, options: string) => string };
  if (typeof core.parseUsageRecordQuery !== "function") return interim(pairs, options);
  return JSON.parse(call(() => core.parseUsageRecordQuery!(JSON.stringify(pairs), JSON.stringify(options)))) as UsageRecordQuery;
}

/**
 * Until the core's parser is on main: each flag as the one value it names (statuses split on
 * commas), the limit as an integer. The store validates the query.
 */
function interim(pairs: [string, string][], options: QueryOptions): UsageRecordQuery {
  const query: Record<string, unknown> = {};
  for (const [name, value] of pairs) {
    if (name === "status" || name === "routingMode") query[name] = value.split(",").map((v) => v.trim()).filter(Boolean);
    else if (name === "origin") query.clientOrigin = value;
    else if (name === "limit") query.limit = Number.parseInt(value, 10);
    else query[name] = value;
  }
  if (options.includeLimit !== false && query.limit === undefined && options.defaultLimit !== undefined) query.limit = options.defaultLimit;
  if (options.includeLimit === false) delete query.limit;
  return query as UsageRecordQuery;
}
