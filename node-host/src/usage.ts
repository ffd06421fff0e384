// Usage-history API shared by the Node and browser entries: thin wrappers over the wasm core.

import { encodeColumns, encodeSummaryColumns, encodeTimestamps, type TextField } from "./columns.js";
import type {
  UsageLineDiagnostic,
  UsageRecord,
  UsageRecordQuery,
  UsageStore,
  UsageSummary,
} from "./types.js";
import { call, codedError, wasm } from "./wasm.js";

/** `prefix_` + a lowercase v4 UUID, e.g. `usage_3f2c…`. */
export function createUsageRecordId(prefix = "usage"): string {
  return call(() => wasm().createUsageRecordId(prefix));
}

/** Query filters and the record field each one reads. */
const FILTER_FIELDS: ReadonlyArray<[keyof UsageRecordQuery, TextField]> = [
  ["status", "status"],
  ["routingMode", "routingMode"],
  ["provider", "resolvedProvider"],
  ["model", "resolvedModel"],
  ["requestId", "requestId"],
  ["agentRunId", "agentRunId"],
  ["endpoint", "endpoint"],
  ["clientOrigin", "clientOrigin"],
];

/** The query as the core reads it: Dates become epoch milliseconds, nothing else changes. */
export function queryForCore(query: UsageRecordQuery | undefined): Record<string, unknown> | undefined {
  if (query == null) return undefined;
  const out: Record<string, unknown> = { ...query };
  for (const key of ["from", "to"] as const) {
    const bound = query[key] as unknown;
    if (bound instanceof Date) out[key] = bound.getTime();
  }
  return out;
}

/**
 * Filters, sorts (by time, stable) and limits records; returns the same objects. Field filters
 * run first, so timestamps are sent to the core only for the records that passed them.
 */
export function queryUsageRecords(records: UsageRecord[], query: UsageRecordQuery = {}): UsageRecord[] {
  const coreQuery = queryForCore(query);
  const fields: TextField[] = [];
  for (const [key, field] of FILTER_FIELDS) if (query[key] !== undefined) fields.push(field);
  let candidates: Uint32Array | undefined;
  if (fields.length > 0) {
    const filterColumns = encodeColumns(records, fields);
    try {
      candidates = call(() => wasm().filterUsageColumns(filterColumns, coreQuery));
    } finally {
      filterColumns.free();
    }
  }
  const timeColumns = encodeTimestamps(records, candidates);
  try {
    const picked = call(() => wasm().orderUsageColumns(timeColumns, coreQuery));
    const out = new Array<UsageRecord>(picked.length);
    for (let i = 0; i < picked.length; i++) out[i] = records[candidates ? candidates[picked[i]] : picked[i]];
    return out;
  } finally {
    timeColumns.free();
  }
}

/** Totals plus groups by provider, model, endpoint and client origin. */
export function summarizeUsageRecords(records: UsageRecord[]): UsageSummary {
  const columns = encodeSummaryColumns(records);
  try {
    return call(() => wasm().summarizeUsageColumns(columns)) as UsageSummary;
  } finally {
    columns.free();
  }
}

/**
 * Validates a record against the declared types and returns the exact JSONL line (without the
 * newline) a usage store appends. Throws an Error with code PIE_INVALID_USAGE_RECORD and `path`.
 */
export function usageRecordLine(record: UsageRecord): string {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw codedError("PIE_INVALID_USAGE_RECORD", "record must be an object", { path: "record" });
  }
  return call(() => wasm().usageRecordLine(JSON.stringify(record)));
}

/** The records of JSONL text or bytes, and the lines that were skipped. */
export function parseUsageJsonl(input: string | Uint8Array | ArrayBuffer): {
  records: UsageRecord[];
  diagnostics: UsageLineDiagnostic[];
} {
  const parsed = call(() => wasm().parseUsageJsonl(toBytes(input))) as { text: string; diagnostics: UsageLineDiagnostic[] };
  return { records: JSON.parse(parsed.text) as UsageRecord[], diagnostics: parsed.diagnostics };
}

/**
 * Summary of raw JSONL (e.g. a fetched `usage.jsonl`): exactly
 * `summarizeUsageRecords(queryUsageRecords(records, query))` with `limit` ignored, as the server's
 * `/usage/summary` computes it (sums run in the query's order, newest first by default).
 */
export function summarizeUsageJsonl(input: string | Uint8Array | ArrayBuffer, query?: UsageRecordQuery): UsageSummary {
  return summarizeUsageJsonlDetailed(input, query).summary;
}

/** Like {@link summarizeUsageJsonl}, also returning the lines that were skipped. */
export function summarizeUsageJsonlDetailed(
  input: string | Uint8Array | ArrayBuffer,
  query?: UsageRecordQuery,
): { summary: UsageSummary; diagnostics: UsageLineDiagnostic[] } {
  return call(() => wasm().summarizeUsageJsonlBytes(toBytes(input), queryForCore(query))) as {
    summary: UsageSummary;
    diagnostics: UsageLineDiagnostic[];
  };
}

export function toBytes(input: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof input === "string") return new TextEncoder().encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw codedError("PIE_INVALID_INPUT", "expected a string, Uint8Array or ArrayBuffer");
}

/** Records in memory, in insertion order. Records are validated; copies are shallow. */
export class InMemoryUsageStore implements UsageStore {
  private records: UsageRecord[] = [];

  recordUsage(record: UsageRecord): void {
    usageRecordLine(record);
    this.records.push({ ...record });
  }

  getUsageRecords(): UsageRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  clear(): void {
    this.records = [];
  }
}

export function createInMemoryUsageStore(): InMemoryUsageStore {
  return new InMemoryUsageStore();
}
