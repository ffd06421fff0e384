// What the package calls of the wasm core, declared by hand: no published declaration imports
// wasm-bindgen's generated glue (`wasm/pie_storage_wasm.d.ts`), whose classes declare
// `[Symbol.dispose]` and whose `init()` takes a `RequestInfo`, which a project without the
// `esnext.disposable` lib, `@types/node` or the DOM lib cannot check. It cannot drift from the
// glue: `wasm.ts` assigns the glue module to `CoreApi` (a removed function, a changed parameter
// type or an added required parameter fails the package build), and `tests/types/core-api.ts`
// also checks every function and method has the glue's number of parameters.
//
// Parameters the glue types as `any` (JSON values crossing as JavaScript values) are declared
// with what the package passes; results with what the core returns (see wasm/src). The host
// side of an operation (`CoreRequest`, `CoreHost`) is here too, so that the declarations of the
// Node entry reach neither the glue nor `wasm.d.ts` (whose `WebAssembly` types need a lib that
// Node projects without the DOM lib lack).

import type { ColumnLayout } from "./columns.js";
import type { RequestDetailsConfig, RequestDetailsDiagnostic } from "./details-types.js";
import type { UsageLineDiagnostic, UsageSeries, UsageSeriesOptions, UsageSummary, UsageSummaryOptions } from "./types.js";

/** A store operation paused at an I/O request (`wasm/src/operation.rs`). */
export interface CoreOperation {
  /** The next request (`{kind, ...}`), or `{kind: "done", value}` at the end. */
  next: () => object;
  /** The host's answer to the last request. */
  reply: (value: unknown) => void;
  /** The last request failed. */
  fail: (error: unknown) => void;
  /** The answer to part `index` of an `all` request. */
  replyPart: (index: number, value: unknown) => void;
  /** Part `index` of an `all` request failed. */
  failPart: (index: number, error: unknown) => void;
}

/** Record columns filled by the JavaScript encoder (`core/src/usage/columns.rs`). */
export interface UsageColumns {
  free: () => void;
  setAmounts: (amounts: Float64Array, present: Uint16Array) => void;
  setDictText: (field: string, ids: Uint32Array, joined: string, lengths: Uint32Array) => void;
  setPlainText: (field: string, joined: Uint8Array, lengths: Uint32Array) => void;
}

/** `{ summary, diagnostics }` of a JSONL summary. */
export interface CoreSummaryResult {
  summary: UsageSummary;
  diagnostics: UsageLineDiagnostic[];
}

/** `{ series, diagnostics }` of a JSONL series. */
export interface CoreSeriesResult {
  series: UsageSeries;
  diagnostics: UsageLineDiagnostic[];
}

/** The streaming JSONL summarizer. */
export interface UsageJsonlSummarizer {
  free: () => void;
  push: (chunk: Uint8Array) => void;
  finish: (query: Record<string, unknown> | undefined, options: UsageSummaryOptions | undefined) => CoreSummaryResult;
  finishByTime: (query: Record<string, unknown> | undefined, options: UsageSeriesOptions | undefined) => CoreSeriesResult;
}

/** A JSONL usage store whose I/O the host carries out. */
export interface JsonlUsageStoreCore {
  recordOperation: (json: string) => CoreOperation;
  recordsOperation: () => CoreOperation;
  queryOperation: (query: Record<string, unknown> | undefined) => CoreOperation;
  summarizeOperation: (query: Record<string, unknown> | undefined, options: UsageSummaryOptions | undefined) => CoreOperation;
  summarizeByTimeOperation: (query: Record<string, unknown> | undefined, options: UsageSeriesOptions | undefined) => CoreOperation;
  diagnostics: () => UsageLineDiagnostic[];
}

/** A provider-connection store (in memory, or a file whose I/O the host carries out). */
export interface ProviderConnectionStoreCore {
  /** Store operation `op` with its arguments as a JSON array; the value is JSON text. */
  operation: (op: string, args: string) => CoreOperation;
  /** `clear()` of the in-memory store. */
  clear: () => void;
}

/** The price override file (`pricing-overrides.json`) whose I/O the host carries out. */
/** The chat state of one agent folder (`wasm/src/chat.rs`): the file each operation works on,
 * and its steps. */
export interface ChatStateCore {
  file: (op: string, args: string) => string;
  operation: (op: string, args: string) => CoreOperation;
}

export interface PriceOverrideStoreCore {
  /** Store operation `op` with its arguments as a JSON array; the value is JSON text. */
  operation: (op: string, args: string) => CoreOperation;
}

/** The quota file (`provider-quota.json`, or in memory). */
export interface QuotaStoreCore {
  /** Store operation `op` with its arguments as a JSON array; the value is JSON text. */
  operation: (op: string, args: string) => CoreOperation;
}

/** A request-details store whose I/O the host carries out (`wasm/src/details.rs`). */
export interface RequestDetailsStoreCore {
  config: () => RequestDetailsConfig;
  recordOperation: (json: string) => CoreOperation;
  pageOperation: (query: string) => CoreOperation;
  detailOperation: (id: string) => CoreOperation;
  providersOperation: () => CoreOperation;
  diagnostics: () => RequestDetailsDiagnostic[];
}

/** The wasm core as the package uses it: the subset of the glue module it calls. */
export interface CoreApi {
  UsageColumns: new (rows: number) => UsageColumns;
  UsageJsonlSummarizer: new () => UsageJsonlSummarizer;
  JsonlUsageStoreCore: new (name: string, savesIndex: boolean) => JsonlUsageStoreCore;
  RequestDetailsStoreCore: {
    new (options: string): RequestDetailsStoreCore;
    inMemory: (options: string) => RequestDetailsStoreCore;
  };
  defaultRequestDetailsFolder: (env: Record<string, string | undefined>, home: string) => string;
  ProviderConnectionStoreCore: {
    inMemory: (initial?: string | null) => ProviderConnectionStoreCore;
    inMemoryFixed: (initial: string | null | undefined, nowMs: number) => ProviderConnectionStoreCore;
    openFile: (name: string) => ProviderConnectionStoreCore;
    openFileFixed: (name: string, nowMs: number) => ProviderConnectionStoreCore;
  };

  createUsageRecordId: (prefix?: string | null) => string;
  createProxyPoolId: () => string;
  defaultUsageFilePath: (env: Record<string, string | undefined>, home: string) => string;
  defaultProviderConnectionFilePath: (env: Record<string, string | undefined>, home: string) => string;
  savedUsageIndexPath: (path: string) => string;
  maskProxyUrl: (url: string) => string;
  /** `toProviderConnectionSummary` over JSON text; returns JSON text. */
  providerConnectionSummary: (connection: string) => string;
  /** Routing function `name` with its arguments as a JSON array; returns JSON text. */
  routingCall: (name: string, args: string) => string;
  /** Pricing function `name` with its arguments as a JSON array; returns JSON text. */
  pricingCall: (name: string, args: string) => string;
  adminCall: (name: string, args: string) => string;
  /** Proxy pool test step `name` with its arguments as a JSON array; returns JSON text. */
  proxyTestCall: (name: string, args: string) => string;
  /** Operator function `name` (cooldowns, pool in-use count, doctor rules); returns JSON text. */
  operatorCall: (name: string, args: string) => string;
  /** The health of a saved usage index for its file's stat (all absent: the file is missing); JSON text. */
  savedIndexHealth: (saved: Uint8Array, size?: number, mtimeMs?: number, dev?: number, ino?: number) => string;
  PriceOverrideStoreCore: { openFile: (name: string) => PriceOverrideStoreCore };
  chatCall: (name: string, args: string) => string;
  ChatStateCore: { open: (agentDir: string) => ChatStateCore };
  defaultPricingOverridesFilePath: (env: Record<string, string | undefined>, home: string) => string;
  /** Quota or proxy function `name` with its arguments as a JSON array; returns JSON text. */
  quotaCall: (name: string, args: string) => string;
  QuotaStoreCore: {
    openFile: (name: string, maxHistory?: number | null, maxEvents?: number | null) => QuotaStoreCore;
    inMemory: (maxHistory?: number | null, maxEvents?: number | null) => QuotaStoreCore;
  };
  defaultProviderQuotaFilePath: (env: Record<string, string | undefined>, home: string) => string;

  usageColumnLayout: () => ColumnLayout;
  usageQueryFields: (query: Record<string, unknown> | undefined) => string[];
  // Method syntax where a glue class instance is a parameter: the glue's class type has
  // `[Symbol.dispose]`, which `UsageColumns` leaves out, so only the method (bivariant) check
  // holds; the instances are always the glue's, made by `new UsageColumns()` above.
  filterUsageColumns(columns: UsageColumns, query: Record<string, unknown> | undefined): Uint32Array;
  orderUsageColumns(columns: UsageColumns, query: Record<string, unknown> | undefined): Uint32Array;
  summarizeUsageColumns(columns: UsageColumns): UsageSummary;
  summarizeUsageColumnsWith(columns: UsageColumns, options: UsageSummaryOptions | undefined): UsageSummary;
  summarizeUsageColumnsByTime(
    columns: UsageColumns,
    query: Record<string, unknown> | undefined,
    options: UsageSeriesOptions | undefined,
  ): UsageSeries;
  /** The text fields the extra groups of `options` read, besides the summary's. */
  usageSummaryExtraFields: (options: UsageSummaryOptions | undefined) => string[];
  usageRecordLine: (json: string) => string;
  /** The records as one JSON array text, and the skipped lines. */
  parseUsageJsonl: (bytes: Uint8Array) => { text: string; diagnostics: UsageLineDiagnostic[] };

  /** The message of the panic that aborted the last call, if any (cleared by reading it). */
  takePanicMessage: () => string | undefined;
  /** Test hook: panics with `message`. */
  __panicForTest: (message: string) => void;
}

// ---- The host side of a store operation (what `drive` in wasm.ts hands a host) ----

/** One I/O request of the core (`CoreOperation.next()`, see wasm/src/operation.rs). */
export interface CoreRequest {
  kind: string;
  blob?: "data" | "savedIndex" | "segment";
  /** `segment`: the file's name in the store's folder. */
  member?: string;
  offset?: number;
  length?: number;
  /** The file a read or append means (the core's last `stat` of the blob), when known. */
  identity?: { dev: number; ino: number };
  bytes?: Uint8Array;
  followLinks?: boolean;
  at?: { path: string; folder: string; name: string };
  tempName?: string;
  folder?: string;
  name?: string;
  path?: string;
  ms?: number;
  value?: unknown;
  /** `all`: requests the core asks side by side, carried out at once. */
  requests?: CoreRequest[];
}

/**
 * Carries out one I/O request of the core: its reply, or a Promise of it (a request that needs
 * no I/O, such as the clock, may be answered at once). `drive` hands a reply to the core before
 * it asks the next request, so a host may reuse the buffer it answered a read with.
 */
export interface CoreHost {
  perform(request: CoreRequest): unknown;
  /** A host for one operation (it may keep files open between steps), closed at its end. */
  session?(): CoreHost;
  close?(): Promise<void>;
}
