// Usage-history API shared by the Node and browser entries: thin wrappers over the wasm core.

import { encodeColumns, encodeSeriesColumns, encodeSummaryColumns, encodeTimestamps, type TextField } from "./columns.js";
import type {
  UsageLineDiagnostic,
  UsageRecord,
  UsageRecordQuery,
  UsageSeries,
  UsageSeriesOptions,
  UsageStore,
  UsageSummary,
  UsageSummaryOptions,
  UsageSummaryWithGroups,
} from "./types.js";
import { call, codedError, toJsonText, wasm } from "./wasm.js";

/** `prefix_` + a lowercase v4 UUID, e.g. `usage_3f2c…`. */
export function createUsageRecordId(prefix = "usage"): string {
  return call(() => wasm().createUsageRecordId(prefix));
}

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
  // The core says which record fields the query filters on (its one filter map).
  const fields: TextField[] = call(() => wasm().usageQueryFields(coreQuery));
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

/**
 * Totals plus groups by provider, model, endpoint and client origin; with `options`, also the
 * extra groups (`groupBy`) and a top-N cut (`top`) with an `"other"` row.
 */
export function summarizeUsageRecords(records: UsageRecord[]): UsageSummary;
export function summarizeUsageRecords(records: UsageRecord[], options: UsageSummaryOptions): UsageSummaryWithGroups;
export function summarizeUsageRecords(records: UsageRecord[], options?: UsageSummaryOptions): UsageSummaryWithGroups {
  if (options === undefined) {
    const columns = encodeSummaryColumns(records);
    try {
      return call(() => wasm().summarizeUsageColumns(columns));
    } finally {
      columns.free();
    }
  }
  // The core says which record fields the extra groups read.
  const extra = call(() => wasm().usageSummaryExtraFields(options));
  const columns = encodeSummaryColumns(records, extra);
  try {
    return call(() => wasm().summarizeUsageColumnsWith(columns, options));
  } finally {
    columns.free();
  }
}

/**
 * Usage per calendar bucket (`{bucket: "minute" | "hour" | "day" | "week" | "month", timeZone}`,
 * default a UTC day) of the records `query` matches, `limit` ignored: every bucket from the one
 * containing `from` (else the earliest match) to the one containing `to` (else the latest), each
 * a summary group.
 */
export function summarizeUsageRecordsByTime(
  records: UsageRecord[],
  query: UsageRecordQuery = {},
  options: UsageSeriesOptions = {},
): UsageSeries {
  const coreQuery = queryForCore(query);
  const filtered: TextField[] = call(() => wasm().usageQueryFields(coreQuery));
  const fields = [...new Set<TextField>(["timestamp", "status", ...filtered])];
  const columns = encodeSeriesColumns(records, fields);
  try {
    return call(() => wasm().summarizeUsageColumnsByTime(columns, coreQuery, options));
  } finally {
    columns.free();
  }
}

/**
 * Validates a record against the declared types and returns the exact JSONL line (without the
 * newline) a usage store appends. Throws an Error with code PIE_INVALID_USAGE_RECORD and `path`.
 */
export function usageRecordLine(record: UsageRecord): string {
  return call(() => wasm().usageRecordLine(toJsonText(record, "the usage record")));
}

/** The records of JSONL text or bytes, and the lines that were skipped. */
export function parseUsageJsonl(input: string | Uint8Array | ArrayBuffer): {
  records: UsageRecord[];
  diagnostics: UsageLineDiagnostic[];
} {
  const parsed = call(() => wasm().parseUsageJsonl(toBytes(input))) as { text: string; diagnostics: UsageLineDiagnostic[] };
  return { records: JSON.parse(parsed.text) as UsageRecord[], diagnostics: parsed.diagnostics };
}

/** JSONL held at once. */
export type UsageJsonlBytes = string | Uint8Array | ArrayBuffer;
/** JSONL arriving in chunks: a `fetch` body, a file stream, any (async) iterable of chunks. */
export type UsageJsonlStream =
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

type SummaryResult = { summary: UsageSummaryWithGroups; diagnostics: UsageLineDiagnostic[] };
type SeriesResult = { series: UsageSeries; diagnostics: UsageLineDiagnostic[] };

/**
 * Summary of raw JSONL (e.g. a fetched `usage.jsonl`): exactly
 * `summarizeUsageRecords(queryUsageRecords(records, query))` with `limit` ignored, as the server's
 * `/usage/summary` computes it (sums run in the query's order, newest first by default).
 * Bytes or text give the summary directly; a stream or iterable of chunks gives a Promise and is
 * read chunk by chunk, never held whole.
 */
export function summarizeUsageJsonl(input: UsageJsonlBytes, query?: UsageRecordQuery): UsageSummary;
export function summarizeUsageJsonl(input: UsageJsonlStream, query?: UsageRecordQuery): Promise<UsageSummary>;
export function summarizeUsageJsonl(
  input: UsageJsonlBytes,
  query: UsageRecordQuery | undefined,
  options: UsageSummaryOptions,
): UsageSummaryWithGroups;
export function summarizeUsageJsonl(
  input: UsageJsonlStream,
  query: UsageRecordQuery | undefined,
  options: UsageSummaryOptions,
): Promise<UsageSummaryWithGroups>;
export function summarizeUsageJsonl(
  input: UsageJsonlBytes | UsageJsonlStream,
  query?: UsageRecordQuery,
  options?: UsageSummaryOptions,
): UsageSummaryWithGroups | Promise<UsageSummaryWithGroups> {
  if (isBytes(input)) return summarizeUsageJsonlDetailed(input, query, options).summary;
  return summarizeUsageJsonlDetailed(input, query, options).then((r) => r.summary);
}

/**
 * {@link summarizeUsageRecordsByTime} over raw JSONL: bytes or text give the series directly, a
 * stream or iterable of chunks a Promise (read chunk by chunk).
 */
export function summarizeUsageJsonlByTime(
  input: UsageJsonlBytes,
  query?: UsageRecordQuery,
  options?: UsageSeriesOptions,
): UsageSeries;
export function summarizeUsageJsonlByTime(
  input: UsageJsonlStream,
  query?: UsageRecordQuery,
  options?: UsageSeriesOptions,
): Promise<UsageSeries>;
export function summarizeUsageJsonlByTime(
  input: UsageJsonlBytes | UsageJsonlStream,
  query?: UsageRecordQuery,
  options?: UsageSeriesOptions,
): UsageSeries | Promise<UsageSeries> {
  if (isBytes(input)) return pushBytes(input).finishByTime(query, options).series;
  return streamInto(input).then((s) => s.finishByTime(query, options).series);
}

/** Like {@link summarizeUsageJsonl}, also returning the lines that were skipped. */
export function summarizeUsageJsonlDetailed(
  input: UsageJsonlBytes,
  query?: UsageRecordQuery,
  options?: UsageSummaryOptions,
): SummaryResult;
export function summarizeUsageJsonlDetailed(
  input: UsageJsonlStream,
  query?: UsageRecordQuery,
  options?: UsageSummaryOptions,
): Promise<SummaryResult>;
export function summarizeUsageJsonlDetailed(
  input: UsageJsonlBytes | UsageJsonlStream,
  query?: UsageRecordQuery,
  options?: UsageSummaryOptions,
): SummaryResult | Promise<SummaryResult> {
  if (isBytes(input)) return pushBytes(input).finish(query, options);
  return streamInto(input).then((s) => s.finish(query, options));
}

/** A summarizer holding `input`, pushed in slices: wasm memory holds one slice at a time. */
function pushBytes(input: UsageJsonlBytes): UsageJsonlSummarizer {
  const bytes = toBytes(input);
  const summarizer = new UsageJsonlSummarizer();
  for (let at = 0; at < bytes.length; at += PUSH_SLICE) summarizer.push(bytes.subarray(at, at + PUSH_SLICE));
  return summarizer;
}

/** Bytes copied into wasm memory per push. */
const PUSH_SLICE = 4 << 20;

/**
 * Summarizes JSONL pushed chunk by chunk (split anywhere, even inside a character); memory
 * holds the columns of the records, never the text.
 */
export class UsageJsonlSummarizer {
  private core: InstanceType<ReturnType<typeof wasm>["UsageJsonlSummarizer"]> | undefined = new (wasm().UsageJsonlSummarizer)();

  push(chunk: UsageJsonlBytes): void {
    const core = this.core;
    if (!core) throw codedError("PIE_INVALID_INPUT", "the summarizer already finished its stream");
    call(() => core.push(toBytes(chunk)));
  }

  /** Ends the stream: the summary (with the extra groups and top-N cut of `options`). */
  finish(query?: UsageRecordQuery, options?: UsageSummaryOptions): SummaryResult {
    const core = this.take();
    try {
      return call(() => core.finish(queryForCore(query), options)) as SummaryResult;
    } finally {
      core.free();
    }
  }

  /** Ends the stream: the series of `summarizeUsageByTime(query, options)`. */
  finishByTime(query?: UsageRecordQuery, options?: UsageSeriesOptions): SeriesResult {
    const core = this.take();
    try {
      return call(() => core.finishByTime(queryForCore(query), options));
    } finally {
      core.free();
    }
  }

  private take(): NonNullable<typeof this.core> {
    const core = this.core;
    if (!core) throw codedError("PIE_INVALID_INPUT", "the summarizer already finished its stream");
    this.core = undefined;
    return core;
  }
}

/** A summarizer holding every chunk of `input`. */
async function streamInto(input: UsageJsonlStream): Promise<UsageJsonlSummarizer> {
  const summarizer = new UsageJsonlSummarizer();
  if (isReadableStream(input)) {
    const reader = input.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        summarizer.push(value);
      }
    } finally {
      reader.releaseLock();
    }
  } else if (Symbol.asyncIterator in input) {
    for await (const chunk of input) summarizer.push(chunk);
  } else if (Symbol.iterator in input) {
    for (const chunk of input) summarizer.push(chunk);
  } else {
    throw codedError("PIE_INVALID_INPUT", "expected JSONL bytes, text, a ReadableStream or an iterable of chunks");
  }
  return summarizer;
}

function isBytes(input: unknown): input is UsageJsonlBytes {
  return typeof input === "string" || input instanceof Uint8Array || input instanceof ArrayBuffer;
}

function isReadableStream(input: unknown): input is ReadableStream<Uint8Array | string> {
  return typeof (input as ReadableStream | null)?.getReader === "function";
}

export function toBytes(input: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof input === "string") return new TextEncoder().encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw codedError("PIE_INVALID_INPUT", "expected a string, Uint8Array or ArrayBuffer");
}

/**
 * Records in memory, in insertion order. Records are validated (by the core, as the file store
 * validates); copies are shallow, so nested objects stay the caller's, as in the reference. The
 * objects live here because the core cannot keep that identity; no rule does (see the README's
 * decisions). Query and summarize them with `queryUsageRecords`/`summarizeUsageRecords`.
 */
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

  /** `summarizeUsageRecords(queryUsageRecords(records, query), options)` over the records held. */
  summarizeUsage(query: UsageRecordQuery = {}, options: UsageSummaryOptions = {}): UsageSummaryWithGroups {
    const { limit: _limit, ...unlimited } = query;
    return summarizeUsageRecords(queryUsageRecords(this.records, unlimited), options);
  }

  /** {@link summarizeUsageRecordsByTime} over the records held. */
  summarizeUsageByTime(query: UsageRecordQuery = {}, options: UsageSeriesOptions = {}): UsageSeries {
    return summarizeUsageRecordsByTime(this.records, query, options);
  }
}

export function createInMemoryUsageStore(): InMemoryUsageStore {
  return new InMemoryUsageStore();
}
